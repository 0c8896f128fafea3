package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

class NearHitHttpHandlerTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	private static final byte[] BODY = "{\"items\":[]}".getBytes(StandardCharsets.UTF_8);

	private static final byte[] REFUSED = "{\"status\":429}".getBytes(StandardCharsets.UTF_8);

	private final ResponseCache cache = mock(ResponseCache.class);

	private final AtomicInteger keysBuilt = new AtomicInteger();

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final List<ServerHttpRequest> passedOn = new ArrayList<>();

	private final HttpHandler webFlux = (request, response) -> {
		this.chainCalls.incrementAndGet();
		this.passedOn.add(request);
		return Mono.empty();
	};

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private NearHitHttpHandler handler;

	/** The Authorization header the credentials check knows valid. */
	private List<String> knownValid = List.of();

	@BeforeEach
	void routes() {
		given(this.cache.httpCaching()).willReturn(new HttpCaching(Duration.ZERO));
		CacheableRoute page = new CacheableRoute("/catalog", (request, variables) -> {
			this.keysBuilt.incrementAndGet();
			if (request.getQueryParams().containsKey("limit")
					&& !request.getQueryParams().getFirst("limit").matches("[0-9]+")) {
				throw new ResponseStatusException(HttpStatus.BAD_REQUEST);
			}
			return CacheKey.forPublicRoute("catalog").with("limit", request.getQueryParams().getFirst("limit")).build();
		});
		CacheableRoute item = new CacheableRoute("/catalog/items/{id}",
				(request, variables) -> CacheKey.forPublicRoute("item").with("id", variables.get("id")).build());
		this.handler = new NearHitHttpHandler(this.webFlux, this.cache, List.of(page, item), this.meters,
				"http.server.requests", new RequestEventLoops(), null,
				(authorization) -> authorization.equals(this.knownValid), (request) -> this.refusal);
	}

	/** What the limits answer for any client: refused, or not known refused. */
	private KnownRefusals.Refusal refusal;

	private void refusingEveryClient() {
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, "4");
		headers.set(HttpHeaders.CONTENT_TYPE, "application/problem+json");
		this.refusal = new KnownRefusals.Refusal(HttpStatus.TOO_MANY_REQUESTS, headers, REFUSED);
	}

	private void missing(StoredEntries.Stored stored) {
		given(this.cache.nearHit(any()))
			.willReturn(Mono.just(new NearLookup.Miss(new StampRead.Read(null, new Stamp("1.2", List.of()), stored))));
	}

	private void holding(boolean held) {
		CachedResponse hit = new CachedResponse(ByteBuffer.wrap(BODY), "etag1", CacheOutcome.HIT, CacheScope.PUBLIC);
		given(this.cache.nearHit(any())).willReturn(Mono.just(held ? new NearLookup.Hit(hit)
				: new NearLookup.Miss(new StampRead.Read(null, new Stamp("1.2", List.of()), null))));
	}

	private MockServerHttpResponse run(MockServerHttpRequest.BaseBuilder<?> request) {
		MockServerHttpResponse response = new MockServerHttpResponse();
		StepVerifier.create(this.handler.handle(request.build(), response)).expectComplete().verify(TIMEOUT);
		return response;
	}

	private double timed(String uri, String status) {
		Timer timer = this.meters.find("http.server.requests").tag("uri", uri).tag("status", status).timer();
		return (timer != null) ? timer.count() : 0;
	}

	@Test
	void aHeldResponseIsWrittenWithoutTheChain() {
		holding(true);
		MockServerHttpResponse response = run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).hasValue(0);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		HttpHeaders headers = response.getHeaders();
		assertThat(headers.getFirst("Cache-Status")).isEqualTo("catalog; hit");
		assertThat(headers.getETag()).isEqualTo("\"etag1\"");
		assertThat(headers.getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
		assertThat(headers.getFirst("X-Frame-Options")).isEqualTo("DENY");
		assertThat(headers.getContentLength()).isEqualTo(BODY.length);
		StepVerifier.create(response.getBodyAsString())
			.expectNext(new String(BODY, StandardCharsets.UTF_8))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(timed("/catalog", "200")).isEqualTo(1);
	}

	@Test
	void aConditionalRequestForTheHeldVersionIsNotModified() {
		holding(true);
		MockServerHttpResponse response = run(MockServerHttpRequest.get("/catalog").ifNoneMatch("\"etag1\""));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_MODIFIED);
		assertThat(this.chainCalls).hasValue(0);
		assertThat(timed("/catalog", "304")).isEqualTo(1);
	}

	@Test
	void aResponseThisInstanceDoesNotHoldGoesDownTheChain() {
		holding(false);
		run(MockServerHttpRequest.get("/catalog/items/7"));
		assertThat(this.chainCalls).hasValue(1);
		assertThat(StampedRequest.readOf(this.passedOn.get(0))).as("the generations read, passed on")
			.isEqualTo(new StampRead.Read(null, new Stamp("1.2", List.of()), null));
		assertThat(timed("/catalog/items/{id}", "200")).as("WebFlux times it").isZero();
	}

	@Test
	void aMissThatRedisDoesNotHoldEitherFromAClientKnownRefusedIsRefusedWithoutTheChain() {
		missing(StoredEntries.Stored.NOTHING);
		refusingEveryClient();
		MockServerHttpResponse response = run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).hasValue(0);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		HttpHeaders headers = response.getHeaders();
		assertThat(headers.getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("4");
		assertThat(headers.getFirst(HttpHeaders.CONTENT_TYPE)).isEqualTo("application/problem+json");
		assertThat(headers.getFirst(HttpHeaders.CACHE_CONTROL))
			.isEqualTo("no-cache, no-store, max-age=0, must-revalidate");
		assertThat(headers.getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
		assertThat(headers.getContentLength()).isEqualTo(REFUSED.length);
		StepVerifier.create(response.getBodyAsString())
			.expectNext(new String(REFUSED, StandardCharsets.UTF_8))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(timed("/catalog", "429")).isEqualTo(1);
		assertThat(this.meters.find("http.server.requests").tag("status", "429").timer().getId().getTag("outcome"))
			.isEqualTo("CLIENT_ERROR");
	}

	@Test
	void aMissOfAClientNotKnownRefusedGoesDownTheChain() {
		missing(StoredEntries.Stored.NOTHING);
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).hasValue(1);
	}

	@Test
	void aRefusedClientsRequestForAnEntryRedisMayHoldGoesDownTheChain() {
		refusingEveryClient();
		missing(new StoredEntries.Stored(BODY));
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		missing(null);
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		given(this.cache.nearHit(any())).willReturn(Mono.just(new NearLookup.Miss(
				new StampRead.Failed(null, new CacheUnavailableException("down", new IllegalStateException())))));
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).as("a hit in Redis, a key this instance holds, Redis unavailable").hasValue(3);
	}

	/**
	 * A key this instance holds no entry of, whose read Redis answers with {@code read}.
	 */
	private StampRead.Pending notHeld(CompletableFuture<StampRead.Read> read) {
		StampRead.Pending pending = new StampRead.Pending(null, read);
		given(this.cache.nearHit(any())).willReturn(Mono.just(new NearLookup.NotHeld(pending)));
		return pending;
	}

	@Test
	void aRequestForAKeyNotHeldHereGoesDownTheChainWithoutWaitingForRedis() {
		StampRead.Pending pending = notHeld(new CompletableFuture<>());
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).hasValue(1);
		assertThat(StampedRequest.readOf(this.passedOn.get(0))).as("the read under way, passed on").isSameAs(pending);
	}

	@Test
	void aKnownRefusedClientsRequestForAKeyNotHeldHereWaitsForRedisToTellWhetherItHoldsTheEntry() {
		refusingEveryClient();
		CompletableFuture<StampRead.Read> nothingStored = new CompletableFuture<>();
		notHeld(nothingStored);
		MockServerHttpResponse refused = new MockServerHttpResponse();
		StepVerifier.create(this.handler.handle(MockServerHttpRequest.get("/catalog?limit=5").build(), refused))
			.then(() -> assertThat(refused.isCommitted()).as("not answered before Redis").isFalse())
			.then(() -> nothingStored
				.complete(new StampRead.Read(null, new Stamp("1.2", List.of()), StoredEntries.Stored.NOTHING)))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		notHeld(CompletableFuture
			.completedFuture(new StampRead.Read(null, new Stamp("1.2", List.of()), new StoredEntries.Stored(BODY))));
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		notHeld(CompletableFuture.failedFuture(new CacheUnavailableException("down", new IllegalStateException())));
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).as("an entry in Redis, Redis unavailable").hasValue(2);
	}

	@Test
	void aMissWithCredentialsKnownValidIsLeftToTheRefusalsToName() {
		missing(StoredEntries.Stored.NOTHING);
		refusingEveryClient();
		this.knownValid = List.of("Bearer checked-before");
		MockServerHttpResponse response = run(MockServerHttpRequest.get("/catalog?limit=5")
			.header(HttpHeaders.AUTHORIZATION, "Bearer checked-before"));
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		run(MockServerHttpRequest.get("/catalog?limit=5").header(HttpHeaders.AUTHORIZATION, "Bearer never-seen"));
		assertThat(this.chainCalls).as("credentials not known valid go the full way").hasValue(1);
	}

	@Test
	void requestsWithCredentialsGoDownTheChainUntouched() {
		holding(true);
		run(MockServerHttpRequest.get("/catalog").header(HttpHeaders.AUTHORIZATION, "Basic eDp5"));
		assertThat(this.chainCalls).hasValue(1);
		verify(this.cache, never()).nearHit(any());
	}

	@Test
	void aHitWithCredentialsKnownValidIsWrittenWithoutTheChain() {
		holding(true);
		this.knownValid = List.of("Bearer checked-before");
		MockServerHttpResponse response = run(MockServerHttpRequest.get("/catalog?limit=5")
			.header(HttpHeaders.AUTHORIZATION, "Bearer checked-before"));
		assertThat(this.chainCalls).hasValue(0);
		assertThat(response.getHeaders().getFirst("Cache-Status")).isEqualTo("catalog; hit");
		run(MockServerHttpRequest.get("/catalog?limit=5").header(HttpHeaders.AUTHORIZATION, "Bearer never-seen"));
		assertThat(this.chainCalls).as("other credentials go the full way").hasValue(1);
	}

	@Test
	void otherMethodsPathsAndSpellingsGoDownTheChainUntouched() {
		holding(true);
		run(MockServerHttpRequest.head("/catalog"));
		run(MockServerHttpRequest.post("/catalog"));
		run(MockServerHttpRequest.get("/catalog/"));
		run(MockServerHttpRequest.get("/catalog/items/7;x=1"));
		run(MockServerHttpRequest.get("/catalog/items/%37"));
		run(MockServerHttpRequest.get("//catalog"));
		run(MockServerHttpRequest.get("/catalog/items/../items/7"));
		run(MockServerHttpRequest.get("/me/favorites"));
		assertThat(this.chainCalls).hasValue(8);
		verify(this.cache, never()).nearHit(any());
	}

	@Test
	void aRequestTheHandlerRejectsGoesDownTheChainForItsProblem() {
		holding(true);
		run(MockServerHttpRequest.get("/catalog?limit=abc"));
		assertThat(this.chainCalls).hasValue(1);
		verify(this.cache, never()).nearHit(any());
	}

	@Test
	void keysAreBuiltOncePerPathAndQuery() {
		holding(true);
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		run(MockServerHttpRequest.get("/catalog?limit=6"));
		assertThat(this.keysBuilt).hasValue(2);
		verify(this.cache, times(3)).nearHit(any());
	}

}
