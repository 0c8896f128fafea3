package com.example.catalog.cache;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Running a loader: its JSON, what is counted as a load, the load timeout (in virtual
 * time), the ceiling of concurrent loads, and a 404's problem kept and answered again.
 */
class JsonLoadsTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(2);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final CacheMetrics metrics = new CacheMetrics(this.registry);

	private final JsonMapper jsonMapper = JsonMapper.builder().build();

	private final JsonLoads loads = loads(new LoadBulkhead(16, Duration.ofMillis(500), this.metrics));

	private final AtomicInteger loaderSubscriptions = new AtomicInteger();

	private JsonLoads loads(LoadBulkhead bulkhead) {
		return new JsonLoads(this.jsonMapper, LOAD_TIMEOUT, bulkhead, this.metrics, CacheSteps.UNOBSERVED);
	}

	/** A loader, as a handler builds one per request, that counts its subscriptions. */
	private <T> Mono<T> loader(Mono<T> result) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return result;
		});
	}

	private double loadsCounted() {
		return this.registry.get("catalog.cache.loads").counter().count();
	}

	private static ErrorResponseException problem(HttpStatus status, String detail) {
		return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, detail), null);
	}

	@Test
	void theBytesAreTheMappersJsonOfTheLoadersValue() {
		Map<String, Object> page = new LinkedHashMap<>();
		page.put("items", List.of(Map.of("id", 1, "name", "Widget")));
		page.put("next", null);
		StepVerifier.create(this.loads.load(loader(Mono.just(page))))
			.assertNext((json) -> assertThat(json).isEqualTo(this.jsonMapper.writeValueAsBytes(page)))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(loadsCounted()).isEqualTo(1);
	}

	@Test
	void aFailedLoadIsCountedOnceAndItsFailureReachesTheCaller() {
		StepVerifier.create(this.loads.load(loader(Mono.error(new IllegalStateException("database down")))))
			.expectErrorMessage("database down")
			.verify(TIMEOUT);
		assertThat(loadsCounted()).isEqualTo(1);
	}

	@Test
	void aLoaderAnswering404IsCountedAsALoad() {
		StepVerifier.create(this.loads.load(loader(Mono.error(problem(HttpStatus.NOT_FOUND, "No item with id 9")))))
			.expectErrorSatisfies((failure) -> assertThat(JsonLoads.isNotFound(failure)).isTrue())
			.verify(TIMEOUT);
		assertThat(loadsCounted()).isEqualTo(1);
	}

	@Test
	void aCancelledLoadIsCountedOnceAndFreesItsPlace() {
		LoadBulkhead bulkhead = new LoadBulkhead(16, Duration.ofMillis(500), this.metrics);
		Disposable subscription = loads(bulkhead).load(loader(Sinks.one().asMono())).subscribe();
		assertThat(bulkhead.running()).isEqualTo(1);
		assertThat(loadsCounted()).isZero();
		subscription.dispose();
		assertThat(loadsCounted()).isEqualTo(1);
		assertThat(bulkhead.running()).isZero();
	}

	@Test
	void aLoadTakingLongerThanTheLoadTimeoutFailsWithATimeoutAndIsCountedOnce() {
		StepVerifier.withVirtualTime(() -> this.loads.load(loader(Mono.never())))
			.expectSubscription()
			.expectNoEvent(LOAD_TIMEOUT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectError(TimeoutException.class)
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(loadsCounted()).isEqualTo(1);
	}

	@Test
	void aLoadEndingJustWithinTheLoadTimeoutIsAnswered() {
		StepVerifier
			.withVirtualTime(() -> this.loads.load(loader(Mono.delay(LOAD_TIMEOUT.minusMillis(1)).thenReturn("late"))))
			.expectSubscription()
			.thenAwait(LOAD_TIMEOUT.minusMillis(1))
			.assertNext((json) -> assertThat(json).isEqualTo(this.jsonMapper.writeValueAsBytes("late")))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(loadsCounted()).isEqualTo(1);
	}

	@Test
	void aRejectionByTheBulkheadPassesThroughAndTheLoaderNeverRuns() {
		JsonLoads oneAtATime = loads(new LoadBulkhead(1, Duration.ZERO, this.metrics));
		oneAtATime.load(loader(Sinks.one().asMono())).subscribe();
		StepVerifier.create(oneAtATime.load(loader(Mono.just("second")))).expectErrorSatisfies((failure) -> {
			assertThat(failure).isInstanceOf(ErrorResponseException.class);
			ErrorResponseException unavailable = (ErrorResponseException) failure;
			assertThat(unavailable.getStatusCode().value()).isEqualTo(503);
			assertThat(unavailable.getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
				.isEqualTo(LoadBulkhead.RETRY_AFTER_SECONDS);
		}).verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).as("only the load under the ceiling ran").hasValue(1);
		assertThat(loadsCounted()).as("a refused load never reached the database").isZero();
		assertThat(this.registry.get("catalog.cache.loads.rejected").counter().count()).isEqualTo(1);
	}

	@Test
	void aNotFoundProblemKeptAsJsonIsAnsweredAgainWithItsTypeTitleAndDetail() {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No item with id 9");
		problem.setType(URI.create("https://catalog.example.com/problems/no-such-item"));
		problem.setTitle("No such item");
		byte[] json = this.loads.notFoundJson(new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null));

		ErrorResponseException again = this.loads.notFound(json);
		assertThat(again.getStatusCode().value()).isEqualTo(404);
		assertThat(again.getBody().getStatus()).isEqualTo(404);
		assertThat(again.getBody().getType()).isEqualTo(problem.getType());
		assertThat(again.getBody().getTitle()).isEqualTo("No such item");
		assertThat(again.getBody().getDetail()).isEqualTo("No item with id 9");
		assertThat(JsonLoads.isNotFound(again)).isTrue();
	}

	@Test
	void aNotFoundProblemWithoutDetailRoundTripsWithoutInventingOne() {
		ProblemDetail problem = ProblemDetail.forStatus(HttpStatus.NOT_FOUND);
		ErrorResponseException again = this.loads
			.notFound(this.loads.notFoundJson(new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null)));
		assertThat(again.getBody().getType()).isEqualTo(problem.getType());
		assertThat(again.getBody().getTitle()).isEqualTo(problem.getTitle());
		assertThat(again.getBody().getDetail()).isNull();
	}

	@Test
	void onlyA404ErrorResponseIsNotFound() {
		assertThat(JsonLoads.isNotFound(problem(HttpStatus.NOT_FOUND, "gone"))).isTrue();
		assertThat(JsonLoads.isNotFound(problem(HttpStatus.BAD_REQUEST, "bad"))).isFalse();
		assertThat(JsonLoads.isNotFound(problem(HttpStatus.SERVICE_UNAVAILABLE, "busy"))).isFalse();
		assertThat(JsonLoads.isNotFound(new IllegalStateException("404"))).isFalse();
	}

}
