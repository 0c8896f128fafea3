package com.example.catalog.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;

class LoadBulkheadTest {

	private static final Duration MAX_WAIT = Duration.ofMillis(500);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final LoadBulkhead bulkhead = new LoadBulkhead(2, MAX_WAIT, new CacheMetrics(this.registry));

	private final AtomicInteger loaderSubscriptions = new AtomicInteger();

	private Mono<String> load(Sinks.One<String> result) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return result.asMono();
		});
	}

	@Test
	void loadsPastTheCeilingWaitAndStartOneByOneAsPlacesFreeUp() {
		List<Sinks.One<String>> results = new ArrayList<>();
		List<String> answers = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			Sinks.One<String> result = Sinks.one();
			results.add(result);
			this.bulkhead.run(load(result)).subscribe(answers::add);
		}
		assertThat(this.loaderSubscriptions).as("loads started").hasValue(2);
		assertThat(this.bulkhead.waiting()).isEqualTo(2);

		results.get(0).tryEmitValue("first");
		assertThat(this.loaderSubscriptions).as("loads started once the first ended").hasValue(3);
		results.get(2).tryEmitValue("third");
		results.get(1).tryEmitValue("second");
		results.get(3).tryEmitValue("fourth");

		assertThat(answers).containsExactly("first", "third", "second", "fourth");
		assertThat(this.loaderSubscriptions).hasValue(4);
		assertThat(this.bulkhead.running()).isZero();
		assertThat(this.bulkhead.waiting()).isZero();
	}

	@Test
	void aLoadThatWaitsPastTheQueueTimeoutIsA503WithRetryAfterAndNeverRuns() {
		Sinks.One<String> first = Sinks.one();
		Sinks.One<String> second = Sinks.one();
		StepVerifier.withVirtualTime(() -> {
			this.bulkhead.run(load(first)).subscribe();
			this.bulkhead.run(load(second)).subscribe();
			return this.bulkhead.run(load(Sinks.one()));
		})
			.expectSubscription()
			.expectNoEvent(MAX_WAIT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies((failure) -> {
				assertThat(failure).isInstanceOf(ErrorResponseException.class);
				ErrorResponseException unavailable = (ErrorResponseException) failure;
				assertThat(unavailable.getStatusCode().value()).isEqualTo(503);
				assertThat(unavailable.getHeaders().getFirst(HttpHeaders.RETRY_AFTER))
					.isEqualTo(LoadBulkhead.RETRY_AFTER_SECONDS);
			})
			.verify(Duration.ofSeconds(5));

		assertThat(this.loaderSubscriptions).as("only the two loads under the ceiling ran").hasValue(2);
		assertThat(this.bulkhead.waiting()).isZero();
		assertThat(this.registry.get("catalog.cache.loads.rejected").counter().count()).isEqualTo(1);

		first.tryEmitValue("done");
		assertThat(this.bulkhead.running()).as("the freed place is not handed to the load that gave up").isEqualTo(1);
	}

	@Test
	void withoutWaitingALoadPastTheCeilingIsRefusedAtOnceAndOneUnderItRuns() {
		LoadBulkhead noWaiting = new LoadBulkhead(1, Duration.ZERO, new CacheMetrics(this.registry));
		noWaiting.run(load(Sinks.one())).subscribe();
		StepVerifier.create(noWaiting.run(load(Sinks.one())))
			.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOf(ErrorResponseException.class))
			.verify(Duration.ofSeconds(5));
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(noWaiting.waiting()).isZero();
	}

	@Test
	void aFailedOrCancelledLoadFreesItsPlace() {
		Sinks.One<String> failing = Sinks.one();
		Sinks.One<String> cancelled = Sinks.one();
		this.bulkhead.run(load(failing)).subscribe((value) -> {
		}, (error) -> {
		});
		Disposable subscription = this.bulkhead.run(load(cancelled)).subscribe();
		Sinks.One<String> waiting = Sinks.one();
		List<String> answers = new ArrayList<>();
		this.bulkhead.run(load(waiting)).subscribe(answers::add);
		assertThat(this.loaderSubscriptions).hasValue(2);

		failing.tryEmitError(new IllegalStateException("database down"));
		assertThat(this.loaderSubscriptions).as("the waiting load took the failed one's place").hasValue(3);
		subscription.dispose();
		assertThat(this.bulkhead.running()).isEqualTo(1);

		waiting.tryEmitValue("loaded");
		assertThat(answers).containsExactly("loaded");
		assertThat(this.bulkhead.running()).isZero();
	}

	@Test
	void aWaiterThatGivesUpLeavesTheQueue() {
		this.bulkhead.run(load(Sinks.one())).subscribe();
		this.bulkhead.run(load(Sinks.one())).subscribe();
		Disposable waiter = this.bulkhead.run(load(Sinks.one())).subscribe();
		assertThat(this.bulkhead.waiting()).isEqualTo(1);
		waiter.dispose();
		assertThat(this.bulkhead.waiting()).isZero();
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void theGaugesShowLoadsRunningAndWaiting() {
		new CacheMetrics(this.registry).watch(this.bulkhead);
		this.bulkhead.run(load(Sinks.one())).subscribe();
		this.bulkhead.run(load(Sinks.one())).subscribe();
		this.bulkhead.run(load(Sinks.one())).subscribe();
		assertThat(this.registry.get("catalog.cache.loads.running").gauge().value()).isEqualTo(2);
		assertThat(this.registry.get("catalog.cache.loads.waiting").gauge().value()).isEqualTo(1);
	}

}
