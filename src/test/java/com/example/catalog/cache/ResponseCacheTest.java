package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.CacheStatusHeader;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.util.unit.DataSize;
import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;

class ResponseCacheTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration TTL = Duration.ofMinutes(5);

	private static final double JITTER = 0.1;

	private static final String PREFIX = "test";

	private static final Map<String, Object> ITEM = Map.of("id", 1, "name", "Widget");

	private final FakeRedis redis = new FakeRedis();

	static final Duration STALE_IF_ERROR = Duration.ofHours(1);

	static final Duration REFRESH_AHEAD = Duration.ofSeconds(30);

	static final Duration INVALIDATION_TIMEOUT = Duration.ofSeconds(1);

	static final Duration NOT_FOUND_TTL = Duration.ofSeconds(10);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final CircuitBreaker breaker = CircuitBreaker.of("test",
			CircuitBreakerConfig.custom().minimumNumberOfCalls(1000).slidingWindowSize(1000).build());

	private final AtomicInteger loaderSubscriptions = new AtomicInteger();

	private final CacheKey key = CacheKey.forPublicRoute("catalog").with("category", "books").build();

	private RedisConnectionGate gate;

	@AfterEach
	void stopGate() {
		if (this.gate != null) {
			this.gate.stop();
		}
	}

	private ResponseCache cache() {
		return cache(properties(true, DataSize.ofMegabytes(1), Duration.ofMillis(250)));
	}

	private ResponseCache cache(CacheProperties properties) {
		return cache(properties, openGate());
	}

	private ResponseCache cache(CacheProperties properties, RedisConnectionGate gate) {
		CacheMetrics metrics = new CacheMetrics(this.registry);
		GuardedRedis guarded = new GuardedRedis(this.redis.template, this.breaker, properties.redisTimeout(), gate,
				metrics);
		Generations generations = new Generations(guarded, PREFIX, CacheConfiguration.counterTtl(properties),
				properties.invalidationTimeout(), properties.redisTimeout(), this.clock, metrics);
		return new ResponseCache(guarded, generations, properties, JsonMapper.builder().build(), metrics, this.clock,
				CacheSteps.UNOBSERVED);
	}

	/** The counter of a scope, as {@link Generations} names it. */
	private static String counter(String scope) {
		return PREFIX + ":gen:{" + PREFIX + "}:" + scope;
	}

	private static CacheProperties properties(boolean enabled, DataSize maxEntryBytes, Duration redisTimeout) {
		return properties(enabled, maxEntryBytes, redisTimeout, REFRESH_AHEAD);
	}

	private static CacheProperties properties(boolean enabled, DataSize maxEntryBytes, Duration redisTimeout,
			Duration refreshAhead) {
		return properties(enabled, maxEntryBytes, redisTimeout, refreshAhead, 0, 1);
	}

	private static CacheProperties properties(boolean enabled, DataSize maxEntryBytes, Duration redisTimeout,
			Duration refreshAhead, int rewarmEntries, int rewarmConcurrency) {
		return new CacheProperties(enabled, TTL, JITTER, maxEntryBytes, redisTimeout, 10_000, PREFIX,
				Duration.ofSeconds(5), DataSize.ofMegabytes(64), STALE_IF_ERROR, refreshAhead, Duration.ZERO,
				INVALIDATION_TIMEOUT, NOT_FOUND_TTL, 1_000, Duration.ofMillis(500), rewarmEntries, rewarmConcurrency,
				Duration.ZERO);
	}

	/** A cache that never refreshes ahead, for tests of plain expiry. */
	private ResponseCache cacheWithoutRefreshAhead() {
		return cache(properties(true, DataSize.ofMegabytes(1), Duration.ofMillis(250), Duration.ZERO));
	}

	/** A cache that loads again up to {@code entries} entries a change invalidated. */
	private ResponseCache cacheRewarming(int entries, int concurrency) {
		return cache(
				properties(true, DataSize.ofMegabytes(1), Duration.ofMillis(250), REFRESH_AHEAD, entries, concurrency));
	}

	/**
	 * Drives the real gate through {@code start()}: the connect runs on
	 * {@code Schedulers.boundedElastic()}, which a virtual-time scheduler replaces for
	 * the duration of the call, so the gate is open when {@code start()} returns.
	 */
	private RedisConnectionGate openGate() {
		ReactiveRedisConnectionFactory factory = mock(ReactiveRedisConnectionFactory.class);
		ReactiveRedisConnection connection = mock(ReactiveRedisConnection.class);
		given(factory.getReactiveConnection()).willReturn(connection);
		given(connection.ping()).willReturn(Mono.just("PONG"));
		given(connection.closeLater()).willReturn(Mono.empty());
		this.gate = new RedisConnectionGate(factory, Duration.ofSeconds(1));
		VirtualTimeScheduler.getOrSet();
		try {
			this.gate.start();
		}
		finally {
			VirtualTimeScheduler.reset();
		}
		assertThat(this.gate.isOpen()).isTrue();
		return this.gate;
	}

	/** A loader, as a handler builds one per request, that counts its subscriptions. */
	private Mono<Object> loader(Object value) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return Mono.just(value);
		});
	}

	private Mono<Object> loader(Sinks.One<Object> sink) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return sink.asMono();
		});
	}

	private double requests(String result) {
		return this.registry.get("catalog.cache.requests").tag("result", result).counter().count();
	}

	private double loads() {
		return this.registry.get("catalog.cache.loads").counter().count();
	}

	private double errors() {
		return this.registry.get("catalog.cache.errors").counter().count();
	}

	private static byte[] bytes(ByteBuffer buffer) {
		ByteBuffer view = buffer.duplicate();
		byte[] bytes = new byte[view.remaining()];
		view.get(bytes);
		return bytes;
	}

	private static String json(CachedResponse response) {
		return new String(bytes(response.body()), StandardCharsets.UTF_8);
	}

	private CachedResponse getNow(ResponseCache cache, CacheKey key, Mono<?> loader) {
		CachedResponse[] result = new CachedResponse[1];
		StepVerifier.create(cache.get(key, loader))
			.consumeNextWith((response) -> result[0] = response)
			.expectComplete()
			.verify(TIMEOUT);
		return result[0];
	}

	@Test
	void firstRequestIsAMissThatLoadsOnceAndStoresTheResponse() {
		ResponseCache cache = cache();
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(response.scope()).isEqualTo(CacheScope.PUBLIC);
		assertThat(json(response)).contains("\"name\":\"Widget\"");
		assertThat(response.etag()).isEqualTo(CacheEntry.etagOf(bytes(response.body())));
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.store).containsKey(this.key.valueKey(PREFIX));
		assertThat(loads()).isEqualTo(1);
		assertThat(requests("miss")).isEqualTo(1);
		assertThat(cache.flightsInProgress()).isZero();
	}

	@Test
	void secondIdenticalRequestOnAnotherInstanceIsServedFromRedis() {
		ResponseCache cache = cache();
		CachedResponse first = getNow(cache, this.key, loader(ITEM));
		CacheKey sameQuery = CacheKey.forPublicRoute("catalog").with("category", "books").build();
		CachedResponse second = getNow(cache(), sameQuery, loader(Map.of("id", 2)));
		assertThat(second.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(bytes(second.body())).isEqualTo(bytes(first.body()));
		assertThat(second.etag()).isEqualTo(first.etag());
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(loads()).isEqualTo(1);
		assertThat(requests("hit")).isEqualTo(1);
		assertThat(requests("miss")).isEqualTo(1);
		// the lookup, the re-check under the lease, the other instance's lookup
		assertThat(this.redis.count("GET")).isEqualTo(3);
	}

	@Test
	void secondIdenticalRequestOnTheSameInstanceIsServedFromMemory() {
		ResponseCache cache = cache();
		CachedResponse first = getNow(cache, this.key, loader(ITEM));
		CachedResponse second = getNow(cache, this.key, loader(ITEM));
		assertThat(second.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(bytes(second.body())).isEqualTo(bytes(first.body()));
		assertThat(this.redis.count("GET")).isEqualTo(2); // lookup and re-check under the
															// lease; the hit reads memory
	}

	@Test
	void storedBodyIsGzipAndAtMostAQuarterOfRepetitiveJson() {
		ResponseCache cache = cache();
		Map<String, Object> page = Map.of("items", java.util.Collections.nCopies(200,
				Map.of("name", "Item", "description", "Solid oak, hand finished, ships flat. ".repeat(4))));
		CachedResponse response = getNow(cache, this.key, loader(page));
		byte[] stored = this.redis.store.get(this.key.valueKey(PREFIX));
		assertThat(stored.length).isLessThan(bytes(response.body()).length / 4);
		assertThat(response.gzipBody()).isNotNull();
		ByteBuffer gzip = response.gzipBodyView();
		byte[] gzipBytes = new byte[gzip.remaining()];
		gzip.get(gzipBytes);
		assertThat(Gzip.decompress(gzipBytes, 0, gzipBytes.length)).isEqualTo(bytes(response.body()));
	}

	@Test
	void aLeaseHeldByAnotherInstanceMakesThisOneWaitForItsValue() {
		this.redis.store.put(counter(Generations.EVERYTHING), "7".getBytes(StandardCharsets.US_ASCII));
		this.redis.store.put(this.key.valueKey(PREFIX) + ":lease:7", "other".getBytes(StandardCharsets.US_ASCII));
		byte[] othersValue = CacheEntry
			.compressed("7", 0, Long.MAX_VALUE, "{\"from\":\"other\"}".getBytes(StandardCharsets.UTF_8))
			.encode();
		StepVerifier.create(cache().get(this.key, loader(ITEM)))
			.then(() -> this.redis.store.put(this.key.valueKey(PREFIX), othersValue))
			.assertNext((response) -> {
				assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_COLLAPSED);
				assertThat(new String(bytes(response.body()), StandardCharsets.UTF_8))
					.isEqualTo("{\"from\":\"other\"}");
			})
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(this.registry.get("catalog.cache.lease.waits").counter().count()).isPositive();
	}

	@Test
	void whenTheLeaseHolderGoesAwayAWaiterTakesTheLeaseOverAndLoads() {
		this.redis.store.put(counter(Generations.EVERYTHING), "7".getBytes(StandardCharsets.US_ASCII));
		String lease = this.key.valueKey(PREFIX) + ":lease:7";
		this.redis.store.put(lease, "other".getBytes(StandardCharsets.US_ASCII));
		StepVerifier.create(cache().get(this.key, loader(ITEM)))
			.then(() -> this.redis.store.remove(lease))
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_STORED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.store).doesNotContainKey(lease);
	}

	@Test
	void whileRedisIsDownConcurrentRequestsForOneKeyCostTwoLoadsNotOneEach() throws Exception {
		ResponseCache cache = cache();
		this.redis.failGenerationReads();
		Sinks.One<Object> sink = Sinks.one();
		int callers = 50;
		CountDownLatch done = new CountDownLatch(callers);
		Queue<CachedResponse> responses = new ConcurrentLinkedQueue<>();
		Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
		for (int i = 0; i < callers; i++) {
			cache.get(this.key, loader(sink))
				.doFinally((signal) -> done.countDown())
				.subscribe(responses::add, errors::add);
		}
		// The first request's load is in flight; the others wait for the next load, which
		// starts after it (so none of them is answered by a load older than itself).
		assertThat(this.loaderSubscriptions).hasValue(1);
		sink.tryEmitValue(ITEM).orThrow();
		assertThat(done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(errors).isEmpty();
		assertThat(responses).hasSize(callers)
			.allSatisfy((r) -> assertThat(r.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE));
		assertThat(this.loaderSubscriptions).hasValue(2);
		assertThat(loads()).isEqualTo(2);
		assertThat(requests("bypass")).isEqualTo(callers);
	}

	@Test
	void concurrentMissesShareOneLoad() throws Exception {
		ResponseCache cache = cache();
		Sinks.One<Object> sink = Sinks.one();
		int callers = 100;
		CountDownLatch start = new CountDownLatch(1);
		CountDownLatch subscribed = new CountDownLatch(callers);
		CountDownLatch done = new CountDownLatch(callers);
		Queue<CachedResponse> responses = new ConcurrentLinkedQueue<>();
		Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		try {
			for (int i = 0; i < callers; i++) {
				executor.execute(() -> {
					try {
						start.await();
						// The fake Redis answers synchronously, so when subscribe()
						// returns this caller has read the stamp and joined the flight.
						cache.get(this.key, loader(sink))
							.doFinally((signal) -> done.countDown())
							.subscribe(responses::add, errors::add);
					}
					catch (Throwable ex) {
						errors.add(ex);
					}
					finally {
						subscribed.countDown();
					}
				});
			}
			start.countDown();
			assertThat(subscribed.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertThat(this.loaderSubscriptions).hasValue(1);
			assertThat(cache.flightsInProgress()).isEqualTo(1);
			assertThat(responses).isEmpty();

			sink.tryEmitValue(ITEM).orThrow();

			assertThat(done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(errors).isEmpty();
		assertThat(responses).hasSize(callers);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(responses).filteredOn((r) -> r.outcome() == CacheOutcome.MISS_STORED).hasSize(1);
		assertThat(responses).filteredOn((r) -> r.outcome() == CacheOutcome.MISS_COLLAPSED).hasSize(callers - 1);
		CachedResponse any = responses.peek();
		assertThat(responses).allSatisfy((r) -> {
			assertThat(r.etag()).isEqualTo(any.etag());
			assertThat(bytes(r.body())).isEqualTo(bytes(any.body()));
		});
		assertThat(loads()).isEqualTo(1);
		assertThat(requests("miss")).isEqualTo(callers);
		// An entry read along with each stamp read before the load began (how many came
		// before depends on the threads), then one re-check under the lease; callers that
		// came later joined the load without a read (see
		// aRequestForAKeyBeingLoadedReadsNoEntryAlong).
		assertThat(this.redis.count("GET")).isBetween(2, callers + 1);
		assertThat(this.redis.count("SET")).isEqualTo(1);
		assertThat(cache.flightsInProgress()).isZero();
	}

	@Test
	void whenTheLeaderCancelsTheLoadGoesOnAndIsStoredForTheWaiters() {
		ResponseCache cache = cache();
		Sinks.One<Object> sink = Sinks.one();
		Disposable leader = cache.get(this.key, loader(sink)).subscribe();
		assertThat(this.loaderSubscriptions).hasValue(1);
		leader.dispose();
		// Mono.cache() does not cancel its source: the load is still in flight.
		assertThat(cache.flightsInProgress()).isEqualTo(1);
		StepVerifier.create(cache.get(this.key, loader(sink)))
			.then(() -> sink.tryEmitValue(ITEM).orThrow())
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_COLLAPSED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.count("SET")).isEqualTo(1);
		assertThat(cache.flightsInProgress()).isZero();
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
	}

	@Test
	void loaderErrorIsNotCached() {
		ResponseCache cache = cache();
		Mono<Object> failing = Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return Mono.error(new IllegalStateException("database down"));
		});
		StepVerifier.create(cache.get(this.key, failing)).expectErrorMessage("database down").verify(TIMEOUT);
		assertThat(cache.flightsInProgress()).isZero();
		assertThat(this.redis.count("SET")).isZero();
		assertThat(this.redis.store).doesNotContainKey(this.key.valueKey(PREFIX));

		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(this.loaderSubscriptions).hasValue(2);
		assertThat(loads()).isEqualTo(2);
		assertThat(errors()).isZero();
	}

	@Test
	void redisErrorOnTheLookupFallsThroughToTheLoader() {
		ResponseCache cache = cache();
		this.redis.fail("GET");
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(json(response)).contains("Widget");
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(errors()).isEqualTo(1);
		assertThat(requests("bypass")).isEqualTo(1);
		assertThat(loads()).isEqualTo(1);
		assertThat(this.redis.count("SET")).isZero();
		assertThat(cache.flightsInProgress()).isZero();
	}

	@Test
	void aRequestIsAdmittedOnceEvenWhenRedisFailsAfterItsAdmission() {
		ResponseCache cache = cache();
		this.redis.fail("LEASE");
		AtomicInteger tokensTaken = new AtomicInteger();
		Mono<Void> admission = Mono.fromRunnable(tokensTaken::incrementAndGet);
		StepVerifier.create(cache.get(this.key, admission, loader(ITEM)))
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(tokensTaken).hasValue(1);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void redisErrorOnTheGenerationReadFallsThroughToTheLoader() {
		ResponseCache cache = cache();
		this.redis.failGenerationReads();
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(errors()).isEqualTo(1);
		assertThat(requests("bypass")).isEqualTo(1);
		assertThat(this.redis.count("GET")).as("only the entry's read sent along with the generations").isEqualTo(1);
		assertThat(this.redis.count("LEASE")).isZero();
		assertThat(this.redis.count("SET")).isZero();
	}

	@Test
	void redisErrorOnTheStoreServesTheResponseNotStored() {
		ResponseCache cache = cache();
		this.redis.fail("SET");
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(errors()).isEqualTo(1);
		assertThat(requests("miss")).isEqualTo(1);
		assertThat(this.redis.store).doesNotContainKey(this.key.valueKey(PREFIX));
	}

	@Test
	void redisTimeoutFallsThroughToTheLoader() {
		ResponseCache cache = cache();
		this.redis.hang("GET");
		StepVerifier.withVirtualTime(() -> cache.get(this.key, loader(ITEM)))
			.expectSubscription()
			.expectNoEvent(Duration.ofMillis(249))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(errors()).isEqualTo(1);
		assertThat(requests("bypass")).isEqualTo(1);
		assertThat(cache.flightsInProgress()).isZero();
	}

	@Test
	void redisTimeoutOnTheGenerationReadFallsThroughToTheLoader() {
		ResponseCache cache = cache();
		this.redis.hangGenerationReads();
		StepVerifier.withVirtualTime(() -> cache.get(this.key, loader(ITEM)))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(250))
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(errors()).isEqualTo(1);
	}

	@Test
	void openCircuitBreakerBypassesRedisWithoutCountingAnError() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		int getsBefore = this.redis.count("GET");
		this.breaker.transitionToOpenState();
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(errors()).isZero();
		assertThat(this.redis.count("GET")).isEqualTo(getsBefore);
	}

	@Test
	void closedGateBypassesRedis() {
		RedisConnectionGate closed = new RedisConnectionGate(mock(ReactiveRedisConnectionFactory.class),
				Duration.ofSeconds(1));
		ResponseCache cache = cache(properties(true, DataSize.ofMegabytes(1), Duration.ofMillis(250)), closed);
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(requests("bypass")).isEqualTo(1);
		assertThat(loads()).isEqualTo(1);
		verifyNoInteractions(this.redis.template);
	}

	@Test
	void entryExpiresAfterTtl() {
		ResponseCache cache = cacheWithoutRefreshAhead();
		getNow(cache, this.key, loader(ITEM));
		CacheEntry stored = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX)));
		long freshFor = stored.freshUntilMillis() - this.clock.millis();
		assertThat(freshFor).isBetween(TTL.toMillis(), (long) (TTL.toMillis() * (1 + JITTER)));

		this.clock.advance(Duration.ofMillis(freshFor - 1));
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);

		this.clock.advance(Duration.ofMillis(1));
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(this.loaderSubscriptions).hasValue(2);
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
	}

	@Test
	void ttlIncludesBoundedJitter() {
		ResponseCache cache = cache();
		int stores = 200;
		for (int i = 0; i < stores; i++) {
			getNow(cache, CacheKey.forPublicRoute("catalog").with("page", i).build(), loader(ITEM));
		}
		// Redis keeps each copy for its TTL plus the stale-if-error time.
		assertThat(this.redis.setTtls).hasSize(stores)
			.allSatisfy((ttl) -> assertThat(ttl.minus(STALE_IF_ERROR)).isBetween(TTL,
					Duration.ofMillis((long) (TTL.toMillis() * (1 + JITTER)))));
		assertThat(this.redis.setTtls.stream().distinct().count()).isGreaterThan(1);
	}

	@Test
	void theStoredFreshnessMatchesTheRedisTtl() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		CacheEntry stored = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX)));
		assertThat(stored.storedAtMillis()).isEqualTo(this.clock.millis());
		assertThat(stored.freshUntilMillis() - stored.storedAtMillis())
			.isEqualTo(this.redis.setTtls.get(0).minus(STALE_IF_ERROR).toMillis());
	}

	@Test
	void aHitNearTheEndOfItsTtlRefreshesTheEntryInTheBackground() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		CacheEntry stored = advanceIntoTheRefreshWindow();
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.loaderSubscriptions).hasValue(2);
		CacheEntry refreshed = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX)));
		assertThat(refreshed.freshUntilMillis()).isGreaterThan(stored.freshUntilMillis());
		this.clock.advance(REFRESH_AHEAD);
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void anExpiredCopyIsServedStaleWhenTheLoadFailsAndOnlyWithinStaleIfError() {
		ResponseCache cache = cache();
		CachedResponse first = getNow(cache, this.key, loader(ITEM));
		CacheEntry stored = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX)));
		this.clock.advance(Duration.ofMillis(stored.freshUntilMillis() - this.clock.millis()).plusSeconds(1));
		Mono<Object> databaseDown = Mono.error(new IllegalStateException("connection refused"));
		CachedResponse stale = getNow(cache, this.key, databaseDown);
		assertThat(stale.outcome()).isEqualTo(CacheOutcome.STALE);
		assertThat(bytes(stale.body())).isEqualTo(bytes(first.body()));
		assertThat(requests("stale")).isEqualTo(1);

		this.clock.advance(STALE_IF_ERROR);
		this.redis.store.remove(this.key.valueKey(PREFIX));
		StepVerifier.create(cacheWithoutRefreshAhead().get(this.key, databaseDown))
			.expectError(IllegalStateException.class)
			.verify(TIMEOUT);
	}

	@Test
	void aStaleCopyOfAnOlderGenerationIsNeverServed() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT);
		StepVerifier.create(cache.get(this.key, Mono.error(new IllegalStateException("connection refused"))))
			.expectError(IllegalStateException.class)
			.verify(TIMEOUT);
	}

	@Test
	void entriesStampedWithAnOldGenerationAreMisses() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		String oldStamp = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX))).stamp();
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);

		StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT);

		CachedResponse afterWrite = getNow(cache, this.key, loader(Map.of("id", 1, "name", "Renamed")));
		assertThat(afterWrite.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(json(afterWrite)).contains("Renamed");
		String newStamp = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX))).stamp();
		assertThat(newStamp).isNotEqualTo(oldStamp);
		assertThat(Long.parseLong(newStamp)).isEqualTo(Long.parseLong(oldStamp) + 1);
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void aLoadThatStartedBeforeAnInvalidationIsNeverServedAfterIt() {
		ResponseCache cache = cache();
		Sinks.One<Object> slowLoad = Sinks.one();
		StepVerifier.create(cache.get(this.key, loader(slowLoad)))
			.then(() -> StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT))
			.then(() -> slowLoad.tryEmitValue(Map.of("name", "before the write")).orThrow())
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_STORED))
			.expectComplete()
			.verify(TIMEOUT);

		CachedResponse afterWrite = getNow(cache, this.key, loader(Map.of("name", "after the write")));
		assertThat(afterWrite.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(json(afterWrite)).contains("after the write");
	}

	@Test
	void aRequestAfterAnInvalidationDoesNotJoinALoadStartedBeforeIt() {
		ResponseCache cache = cache();
		Sinks.One<Object> slowLoad = Sinks.one();
		StepVerifier.create(cache.get(this.key, loader(slowLoad)))
			.then(() -> StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT))
			.then(() -> {
				CachedResponse fresh = getNow(cache, this.key, loader(Map.of("name", "after the write")));
				assertThat(fresh.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
				assertThat(json(fresh)).contains("after the write");
			})
			.then(() -> slowLoad.tryEmitValue(Map.of("name", "before the write")).orThrow())
			.assertNext((response) -> assertThat(json(response)).contains("before the write"))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void unreadableEntryIsAMiss() {
		ResponseCache cache = cache();
		this.redis.store.put(this.key.valueKey(PREFIX), "garbage".getBytes(StandardCharsets.US_ASCII));
		CachedResponse response = getNow(cache, this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX))).etag())
			.isEqualTo(response.etag());
		assertThat(errors()).isZero();
	}

	@Test
	void entryOfAnotherFormatVersionIsAMiss() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		byte[] stored = this.redis.store.get(this.key.valueKey(PREFIX));
		stored[0] = 9;
		CachedResponse response = getNow(cache(), this.key, loader(ITEM));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void oversizedResponseIsServedButNotStored() {
		ResponseCache cache = cache(properties(true, DataSize.ofBytes(16), Duration.ofMillis(250)));
		Map<String, Object> big = Map.of("description", "x".repeat(100));
		CachedResponse response = getNow(cache, this.key, loader(big));
		assertThat(response.outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(json(response)).contains("x".repeat(100));
		assertThat(this.redis.count("SET")).isZero();
		assertThat(this.redis.store).doesNotContainKey(this.key.valueKey(PREFIX));
		assertThat(getNow(cache, this.key, loader(big)).outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(this.loaderSubscriptions).hasValue(2);

		CachedResponse small = getNow(cache, CacheKey.forPublicRoute("item").with("id", 1).build(),
				loader(Map.of("a", 1)));
		assertThat(small.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
	}

	@Test
	void disabledCacheBypassesRedisAndCountsALoad() {
		ResponseCache cache = cache(properties(false, DataSize.ofMegabytes(1), Duration.ofMillis(250)));
		CachedResponse first = getNow(cache, this.key, loader(ITEM));
		CachedResponse second = getNow(cache, this.key, loader(ITEM));
		assertThat(first.outcome()).isEqualTo(CacheOutcome.BYPASS_DISABLED);
		assertThat(second.outcome()).isEqualTo(CacheOutcome.BYPASS_DISABLED);
		assertThat(second.etag()).isEqualTo(first.etag());
		assertThat(this.loaderSubscriptions).hasValue(2);
		assertThat(loads()).isEqualTo(2);
		assertThat(requests("bypass")).isEqualTo(2);
		StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT);
		StepVerifier.create(cache.invalidate(List.of(CacheKey.principalScope("alice")), "change-1"))
			.expectComplete()
			.verify(TIMEOUT);
		verifyNoInteractions(this.redis.template);
	}

	@Test
	void invalidatePrincipalLeavesOtherPrincipalsAlone() {
		ResponseCache cache = cache();
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").build();
		CacheKey bob = CacheKey.forPrincipalRoute("favorites", "bob").build();
		assertThat(counter(CacheKey.principalScope("alice"))).isNotEqualTo(counter(CacheKey.principalScope("bob")));
		getNow(cache, alice, loader(Map.of("owner", "alice")));
		getNow(cache, bob, loader(Map.of("owner", "bob")));
		getNow(cache, this.key, loader(ITEM));
		String bobCounter = this.redis.string(counter(CacheKey.principalScope("bob")));
		String itemsCounter = this.redis.string(counter(Generations.EVERYTHING));

		StepVerifier.create(cache.invalidate(List.of(CacheKey.principalScope("alice")), "change-1"))
			.expectComplete()
			.verify(TIMEOUT);

		assertThat(this.redis.string(counter(CacheKey.principalScope("bob")))).isEqualTo(bobCounter);
		assertThat(this.redis.string(counter(Generations.EVERYTHING))).isEqualTo(itemsCounter);
		CachedResponse aliceAfter = getNow(cache, alice, loader(Map.of("owner", "alice", "v", 2)));
		assertThat(aliceAfter.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(aliceAfter.scope()).isEqualTo(CacheScope.PRINCIPAL);
		CachedResponse bobAfter = getNow(cache, bob, loader(Map.of("owner", "nobody")));
		assertThat(bobAfter.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(json(bobAfter)).contains("bob");
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
	}

	@Test
	void invalidateAllAlsoInvalidatesPrincipalScopedEntries() {
		ResponseCache cache = cache();
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").build();
		getNow(cache, alice, loader(Map.of("owner", "alice")));
		StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT);
		assertThat(getNow(cache, alice, loader(Map.of("owner", "alice"))).outcome())
			.isEqualTo(CacheOutcome.MISS_STORED);
	}

	@Test
	void onePrincipalsEntryIsNeverServedToAnother() {
		ResponseCache cache = cache();
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").build();
		CacheKey bob = CacheKey.forPrincipalRoute("favorites", "bob").build();
		getNow(cache, alice, loader(Map.of("owner", "alice")));
		CachedResponse bobs = getNow(cache, bob, loader(Map.of("owner", "bob")));
		assertThat(bobs.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(json(bobs)).contains("bob").doesNotContain("alice");
	}

	@Test
	void missingGenerationCountersAreSeededFromTheClock() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		long seeded = Long.parseLong(this.redis.string(counter(Generations.EVERYTHING)));
		assertThat(seeded).isBetween(this.clock.millis() * 1000, this.clock.millis() * 1000 + 999);
		assertThat(this.redis.count("SEED")).isEqualTo(1);
		getNow(cache, this.key, loader(ITEM));
		assertThat(this.redis.count("SEED")).isEqualTo(1);
	}

	/** An invalidation Redis does not confirm: it fails once its deadline has passed. */
	private void invalidateUnconfirmed(ResponseCache cache) {
		StepVerifier.withVirtualTime(cache::invalidateEverything)
			.thenAwait(INVALIDATION_TIMEOUT)
			.expectError(InvalidationUnconfirmedException.class)
			.verify(TIMEOUT);
	}

	@Test
	void aFailedInvalidationMakesThisInstanceBypassTheCacheUntilItIsRetried() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		this.redis.fail("BUMP");
		invalidateUnconfirmed(cache);
		assertThat(errors()).isPositive();

		CachedResponse whileFailing = getNow(cache, this.key, loader(ITEM));
		assertThat(whileFailing.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);

		this.redis.heal();
		int bumps = this.redis.count("BUMP");
		CachedResponse afterRetry = getNow(cache, this.key, loader(ITEM));
		assertThat(afterRetry.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(getNow(cache, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.redis.count("BUMP")).as("the pending change, retried once").isEqualTo(bumps + 1);
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void failedInvalidationsAreLoggedOncePerOutage(CapturedOutput output) {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		this.redis.fail("BUMP");
		for (int i = 0; i < 5; i++) {
			invalidateUnconfirmed(cache);
		}
		assertThat(output.getOut().split("Could not invalidate cached responses", -1)).hasSize(2);

		this.redis.heal();
		getNow(cache, this.key, loader(ITEM));
		assertThat(output.getOut()).contains("after all; caching resumes");
		this.redis.fail("BUMP");
		invalidateUnconfirmed(cache);
		assertThat(output.getOut().split("Could not invalidate cached responses", -1)).hasSize(3);
	}

	@Test
	void respondRendersNotModifiedForTheCurrentEtag() {
		ResponseCache cache = cache();
		CachedResponse first = getNow(cache, this.key, loader(ITEM));
		MockServerHttpRequest request = MockServerHttpRequest.get("/catalog")
			.header(HttpHeaders.IF_NONE_MATCH, '"' + first.etag() + '"')
			.build();
		StepVerifier.create(cache.respond(this.key, request, Mono.empty(), loader(ITEM))).assertNext((entity) -> {
			assertThat(entity.getStatusCode()).isEqualTo(HttpStatus.NOT_MODIFIED);
			assertThat(entity.getBody()).isNull();
			assertThat(entity.getHeaders().getFirst(HttpCaching.CACHE_STATUS)).startsWith("catalog; hit; ttl=");
		}).expectComplete().verify(TIMEOUT);
	}

	/**
	 * Moves the clock to a second into the stored entry's refresh-ahead window; answers
	 * that entry.
	 */
	private CacheEntry advanceIntoTheRefreshWindow() {
		CacheEntry stored = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX)));
		this.clock.advance(
				Duration.ofMillis(stored.freshUntilMillis() - this.clock.millis()).minus(REFRESH_AHEAD).plusSeconds(1));
		return stored;
	}

	private NearLookup nearHitNow(ResponseCache cache) {
		NearLookup[] result = new NearLookup[1];
		StepVerifier.create(cache.nearHit(this.key))
			.consumeNextWith((lookup) -> result[0] = lookup)
			.expectComplete()
			.verify(TIMEOUT);
		return result[0];
	}

	/** Responds as WebFlux does after the near-hit handler passed the request on. */
	private CacheOutcome respondNow(ResponseCache cache, NearLookup lookup) {
		assertThat(lookup).isNotInstanceOf(NearLookup.Hit.class);
		StampRead read = (lookup instanceof NearLookup.NotHeld notHeld) ? notHeld.read()
				: ((NearLookup.Miss) lookup).read();
		ServerHttpRequest request = new StampedRequest(MockServerHttpRequest.get("/catalog?category=books").build(),
				read);
		ResponseEntity<?>[] result = new ResponseEntity<?>[1];
		StepVerifier.create(cache.respond(this.key, request, Mono.empty(), loader(ITEM)))
			.consumeNextWith((entity) -> result[0] = entity)
			.expectComplete()
			.verify(TIMEOUT);
		String cacheStatus = CacheStatusHeader
			.withoutTtlAndKey(result[0].getHeaders().getFirst(HttpCaching.CACHE_STATUS));
		for (CacheOutcome outcome : CacheOutcome.values()) {
			if (outcome.cacheStatusHeader().equals(cacheStatus)) {
				return outcome;
			}
		}
		throw new AssertionError("Unexpected Cache-Status " + cacheStatus);
	}

	@Test
	void aKeyNewToThisInstanceHasItsEntryReadWithoutWaitingForItsGenerations() {
		// Sent before the generations answered.
		assertGetsSentWhileTheGenerationsDoNotAnswer(cache(), 1);
	}

	/**
	 * Asserts how many {@code GET}s Redis has seen once a request is waiting for its
	 * generations, which never answer: the request then bypasses the cache after the
	 * Redis timeout.
	 */
	private void assertGetsSentWhileTheGenerationsDoNotAnswer(ResponseCache cache, int gets) {
		this.redis.hangGenerationReads();
		StepVerifier.withVirtualTime(() -> cache.get(this.key, loader(ITEM)))
			.expectSubscription()
			.then(() -> assertThat(this.redis.count("GET")).isEqualTo(gets))
			.thenAwait(Duration.ofMillis(250))
			.assertNext((response) -> assertThat(response.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE))
			.expectComplete()
			.verify(TIMEOUT);
	}

	@Test
	void anEntryAnotherInstanceStoredIsServedFromTheReadSentAlongWithTheGenerations() {
		getNow(cache(), this.key, loader(ITEM));
		ResponseCache otherInstance = cache();
		int gets = this.redis.count("GET");
		assertThat(getNow(otherInstance, this.key, loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.redis.count("GET") - gets).as("the entry read once").isEqualTo(1);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void aRequestForAKeyBeingLoadedReadsNoEntryAlong() {
		ResponseCache cache = cache();
		Sinks.One<Object> sink = Sinks.one();
		Queue<CachedResponse> responses = new ConcurrentLinkedQueue<>();
		cache.get(this.key, loader(sink)).subscribe(responses::add);
		int gets = this.redis.count("GET");
		cache.get(this.key, loader(sink)).subscribe(responses::add);
		assertThat(this.redis.count("GET")).as("the second request joined the load without a read").isEqualTo(gets);
		sink.tryEmitValue(ITEM).orThrow();
		assertThat(responses).extracting(CachedResponse::outcome)
			.containsExactly(CacheOutcome.MISS_STORED, CacheOutcome.MISS_COLLAPSED);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void aKeyThisInstanceHoldsAnEntryOfHasNoEntryReadAlong() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT);
		assertGetsSentWhileTheGenerationsDoNotAnswer(cache, this.redis.count("GET"));
	}

	@Test
	void nearHitServesAnEntryThisInstanceHoldsWithOneGenerationReadAndNoLoader() {
		ResponseCache cache = cache();
		CachedResponse stored = getNow(cache, this.key, loader(ITEM));
		int readsBefore = this.redis.generationReads();
		int getsBefore = this.redis.count("GET");
		CachedResponse hit = ((NearLookup.Hit) nearHitNow(cache)).response();
		assertThat(hit.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(bytes(hit.body())).isEqualTo(bytes(stored.body()));
		assertThat(hit.body().isDirect()).as("written without a copy").isTrue();
		assertThat(this.redis.generationReads() - readsBefore).isEqualTo(1);
		assertThat(this.redis.count("GET")).isEqualTo(getsBefore);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(requests("hit")).isEqualTo(1);
	}

	@Test
	void whenNearHitFindsNothingRespondReusesItsGenerationRead() {
		ResponseCache cache = cache();
		NearLookup lookup = nearHitNow(cache);
		int reads = this.redis.generationReads();
		assertThat(respondNow(cache, lookup)).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(this.redis.generationReads()).isEqualTo(reads);
		assertThat(requests("hit")).isZero();
		assertThat(requests("miss")).isEqualTo(1);
	}

	@Test
	void nearHitOfAKeyThisInstanceHoldsNoEntryOfAnswersBeforeRedisDoes() {
		ResponseCache cache = cache();
		this.redis.hangGenerationReads();
		NearLookup lookup = nearHitNow(cache);
		assertThat(lookup).isInstanceOf(NearLookup.NotHeld.class);
		assertThat(((NearLookup.NotHeld) lookup).read().sent()).as("still unanswered").isNotDone();
		assertThat(this.redis.generationReads()).as("the generations asked for").isEqualTo(1);
		assertThat(this.redis.count("GET")).as("the entry read along").isEqualTo(1);
	}

	@Test
	void nearHitNeverServesAnEntryAWriteInvalidated() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		StepVerifier.create(cache.invalidateEverything()).expectComplete().verify(TIMEOUT);
		assertThat(respondNow(cache, nearHitNow(cache))).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void nearHitLeavesAnEntryDueForRefreshToRespondWhichRefreshesIt() {
		ResponseCache cache = cache();
		getNow(cache, this.key, loader(ITEM));
		advanceIntoTheRefreshWindow();
		assertThat(respondNow(cache, nearHitNow(cache))).isEqualTo(CacheOutcome.HIT);
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void whenTheGenerationReadFailsRespondBypassesWithoutAskingRedisAgain() {
		ResponseCache cache = cache();
		this.redis.failGenerationReads();
		NearLookup lookup = nearHitNow(cache);
		int reads = this.redis.generationReads();
		assertThat(respondNow(cache, lookup)).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(this.redis.generationReads()).isEqualTo(reads);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void nearHitOfADisabledCacheFindsNothingAndAsksNothingOfRedis() {
		ResponseCache cache = cache(properties(false, DataSize.ofMegabytes(1), Duration.ofMillis(250)));
		assertThat(nearHitNow(cache)).isInstanceOf(NearLookup.Miss.class);
		assertThat(this.redis.generationReads()).isZero();
	}

	@Test
	void aHitSaysHowManySecondsOfFreshnessAreLeft() {
		ResponseCache cache = cache();
		CachedResponse miss = getNow(cache, this.key, loader(ITEM));
		String key = "; key=\"" + this.key.valueKey(PREFIX) + "\"";
		assertThat(miss.cacheStatus()).isEqualTo("catalog; fwd=miss; stored" + key);
		long freshUntil = CacheEntry.decode(this.redis.store.get(this.key.valueKey(PREFIX))).freshUntilMillis();
		this.clock.advance(Duration.ofSeconds(100));
		CachedResponse hit = getNow(cache, this.key, loader(ITEM));
		assertThat(hit.cacheStatus())
			.isEqualTo("catalog; hit; ttl=" + Math.floorDiv(freshUntil - this.clock.millis(), 1000) + key);
	}

	@Test
	void aLoaderThatFindsNothingIsAnswered404AgainWithoutLoadingForTheNotFoundTtl() {
		ResponseCache cache = cache();
		CacheKey item = CacheKey.forPublicRoute("item").with("id", "404").dependsOn("items:404").build();
		Mono<Object> nothing = Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return Mono.error(new ErrorResponseException(HttpStatus.NOT_FOUND,
					ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No item with id 404"), null));
		});
		CachedResponse first = getNow(cache, item, nothing);
		assertThat(first.notFound()).isTrue();
		assertThat(CacheStatusHeader.withoutTtlAndKey(first.cacheStatus())).isEqualTo("catalog; fwd=miss; stored");
		assertThat(json(first)).contains("No item with id 404");
		this.clock.advance(NOT_FOUND_TTL.minusSeconds(1));
		CachedResponse again = getNow(cache(), item, nothing);
		assertThat(again.notFound()).isTrue();
		assertThat(again.cacheStatus()).startsWith("catalog; hit; ttl=1; key=");
		assertThat(this.loaderSubscriptions).as("answered from Redis by another instance").hasValue(1);
		this.clock.advance(Duration.ofSeconds(1));
		getNow(cache, item, nothing);
		assertThat(this.loaderSubscriptions).as("loaded again past the not-found TTL").hasValue(2);
	}

	@Test
	void aKept404IsInvalidatedLikeAnyEntryWhenTheItemAppears() {
		ResponseCache cache = cache();
		CacheKey item = CacheKey.forPublicRoute("item").with("id", "7").dependsOn("items:7").build();
		getNow(cache, item, Mono.error(() -> new ErrorResponseException(HttpStatus.NOT_FOUND)));
		StepVerifier.create(cache.invalidate(List.of("items:7"), "created-7")).expectComplete().verify(TIMEOUT);
		CachedResponse created = getNow(cache, item, loader(ITEM));
		assertThat(created.notFound()).isFalse();
		assertThat(CacheStatusHeader.withoutTtlAndKey(created.cacheStatus())).isEqualTo("catalog; fwd=miss; stored");
	}

	@Test
	void respondAnswersAKept404AsTheProblemTheLoaderAnswered() {
		ResponseCache cache = cache();
		CacheKey item = CacheKey.forPublicRoute("item").with("id", "9").dependsOn("items:9").build();
		Mono<Object> nothing = Mono.error(() -> new ErrorResponseException(HttpStatus.NOT_FOUND,
				ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No item with id 9"), null));
		getNow(cache, item, nothing);
		StepVerifier
			.create(cache.respond(item, MockServerHttpRequest.get("/catalog/items/9").build(), Mono.empty(), nothing))
			.expectErrorSatisfies((ex) -> {
				assertThat(ex).isInstanceOf(ErrorResponseException.class);
				ErrorResponseException problem = (ErrorResponseException) ex;
				assertThat(problem.getStatusCode().value()).isEqualTo(404);
				assertThat(problem.getBody().getDetail()).isEqualTo("No item with id 9");
				assertThat(problem.getHeaders().getFirst("Cache-Status")).startsWith("catalog; hit; ttl=");
			})
			.verify(TIMEOUT);
	}

	private static CacheKey inCategory(String category, int page) {
		return CacheKey.forPublicRoute("catalog")
			.with("category", category)
			.with("page", page)
			.dependsOn("category:" + category)
			.build();
	}

	/** A loader whose value is the number of times it has been loaded. */
	private Mono<Object> versioned(AtomicInteger versions) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return Mono.just(Map.of("version", versions.incrementAndGet()));
		});
	}

	private void invalidate(ResponseCache cache, String scope, String changeId) {
		StepVerifier.create(cache.invalidate(List.of(scope), changeId)).expectComplete().verify(TIMEOUT);
	}

	private double rewarms(String result) {
		return this.registry.get("catalog.cache.rewarms").tag("result", result).counter().count();
	}

	@Test
	void aChangeLoadsAgainTheReadEntriesItInvalidatedSoTheNextReaderHitsTheNewValue() {
		ResponseCache cache = cacheRewarming(32, 2);
		AtomicInteger books = new AtomicInteger();
		AtomicInteger games = new AtomicInteger();
		getNow(cache, inCategory("books", 1), versioned(books));
		getNow(cache, inCategory("games", 1), versioned(games));

		invalidate(cache, "category:books", "change-1");

		assertThat(books).hasValue(2);
		assertThat(games).hasValue(1);
		assertThat(rewarms("miss")).isEqualTo(1);
		CachedResponse next = getNow(cache, inCategory("books", 1), versioned(new AtomicInteger(100)));
		assertThat(next.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(json(next)).contains("\"version\":2");
		assertThat(getNow(cache, inCategory("games", 1), versioned(games)).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(loads()).isEqualTo(3);
		assertThat(requests("miss")).isEqualTo(2);
	}

	@Test
	void anEntryNobodyReadSinceItWasLoadedAgainIsNotLoadedByTheNextChange() {
		ResponseCache cache = cacheRewarming(32, 2);
		AtomicInteger books = new AtomicInteger();
		getNow(cache, inCategory("books", 1), versioned(books));

		invalidate(cache, "category:books", "change-1");
		invalidate(cache, "category:books", "change-2");

		assertThat(books).hasValue(2);
		getNow(cache, inCategory("books", 1), versioned(books));
		invalidate(cache, "category:books", "change-3");
		assertThat(books).hasValue(4);
	}

	@Test
	void aChangeLoadsAgainOnlyTheMostReadOfTheEntriesItInvalidated() {
		ResponseCache cache = cacheRewarming(2, 2);
		AtomicInteger[] versions = { new AtomicInteger(), new AtomicInteger(), new AtomicInteger() };
		int[] reads = { 1, 3, 2 };
		for (int page = 0; page < 3; page++) {
			for (int read = 0; read < reads[page]; read++) {
				getNow(cache, inCategory("books", page), versioned(versions[page]));
			}
		}

		invalidate(cache, "category:books", "change-1");

		assertThat(versions[0]).hasValue(1);
		assertThat(versions[1]).hasValue(2);
		assertThat(versions[2]).hasValue(2);
	}

	@Test
	void aBurstOfChangesLoadsEachEntryOnceAndNeverMoreAtOnceThanTheConcurrency() {
		ResponseCache cache = cacheRewarming(32, 1);
		Sinks.One<Object> loaded = Sinks.one();
		loaded.tryEmitValue(Map.of("version", 1)).orThrow();
		Sinks.One<Object>[] database = new Sinks.One[] { loaded };
		AtomicInteger running = new AtomicInteger();
		AtomicInteger mostAtOnce = new AtomicInteger();
		Mono<Object> loader = Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
			return database[0].asMono().doOnTerminate(running::decrementAndGet);
		});
		for (int page = 0; page < 3; page++) {
			getNow(cache, inCategory("books", page), loader);
		}
		Sinks.One<Object> slowDatabase = Sinks.one();
		database[0] = slowDatabase;

		for (int change = 1; change <= 5; change++) {
			invalidate(cache, "category:books", "change-" + change);
		}

		assertThat(this.loaderSubscriptions).hasValue(4);
		slowDatabase.tryEmitValue(Map.of("version", 2)).orThrow();
		assertThat(this.loaderSubscriptions).hasValue(6);
		assertThat(mostAtOnce).hasValue(1);
		assertThat(rewarms("miss")).isEqualTo(3);
	}

	@Test
	void withoutRewarmingAChangeLoadsNothing() {
		ResponseCache cache = cacheRewarming(0, 1);
		AtomicInteger books = new AtomicInteger();
		getNow(cache, inCategory("books", 1), versioned(books));

		invalidate(cache, "category:books", "change-1");

		assertThat(books).hasValue(1);
		assertThat(getNow(cache, inCategory("books", 1), versioned(books)).outcome())
			.isEqualTo(CacheOutcome.MISS_STORED);
	}

	private final CacheKey rangedKey = CacheKey.forPublicRoute("catalog")
		.with("sort", "price")
		.dependsOn("ranged")
		.dependsOnContent("coarse")
		.build();

	/** A loader whose content depends on {@code scopes}, counting its subscriptions. */
	private Mono<Object> scopedLoader(Object value, String... scopes) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return Mono.just(new ScopedBody(value, Set.of(scopes)));
		});
	}

	@Test
	void aResponseIsStoredUnderTheScopesItsContentNamesAndOnlyAChangeToThoseMakesItAMiss() {
		ResponseCache cache = cache();
		CachedResponse first = getNow(cache, this.rangedKey, scopedLoader(ITEM, "range:1"));
		assertThat(first.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(json(first)).as("the body, not its wrapper")
			.contains("\"name\":\"Widget\"")
			.doesNotContain("scopes");
		assertThat(this.loaderSubscriptions).as("the guess's load, then the one under the named scopes").hasValue(2);
		assertThat(getNow(cache, this.rangedKey, scopedLoader(ITEM, "range:1")).outcome()).isEqualTo(CacheOutcome.HIT);

		invalidate(cache, "coarse", "c1");
		invalidate(cache, "range:2", "c2");
		assertThat(getNow(cache, this.rangedKey, scopedLoader(ITEM, "range:1")).outcome()).isEqualTo(CacheOutcome.HIT);
		invalidate(cache, "range:1", "c3");
		assertThat(getNow(cache, this.rangedKey, scopedLoader(ITEM, "range:1")).outcome())
			.isEqualTo(CacheOutcome.MISS_STORED);
		invalidate(cache, "ranged", "c4");
		assertThat(getNow(cache, this.rangedKey, scopedLoader(ITEM, "range:1")).outcome())
			.as("the declared scope still counts")
			.isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(this.loaderSubscriptions).hasValue(4);
	}

	@Test
	void aContentWithinTheGuessedScopesIsStoredOnItsFirstLoad() {
		ResponseCache cache = cache();
		assertThat(getNow(cache, this.rangedKey, scopedLoader(ITEM, "coarse")).outcome())
			.isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(getNow(cache, this.rangedKey, scopedLoader(ITEM, "coarse")).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void anotherInstanceLearnsTheScopesWithOneLoadThenHitsTheStoredEntry() {
		getNow(cache(), this.rangedKey, scopedLoader(ITEM, "range:1"));
		ResponseCache other = cache();
		assertThat(getNow(other, this.rangedKey, scopedLoader(ITEM, "range:1")).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.loaderSubscriptions).hasValue(3);
	}

	@Test
	void aRequestThatJoinedALoadWhoseContentNamedUnreadScopesIsNotAnsweredWithIt() throws Exception {
		ResponseCache cache = cache();
		AtomicReference<String> database = new AtomicReference<>("before the write");
		Sinks.One<Object> firstLoadEnds = Sinks.one();
		Mono<Object> loader = Mono.defer(() -> {
			String read = database.get();
			Mono<Object> answered = (this.loaderSubscriptions.incrementAndGet() == 1) ? firstLoadEnds.asMono()
					: Mono.just("now");
			return answered.map((ignored) -> new ScopedBody(Map.of("name", read), Set.of("range:1")));
		});
		CompletableFuture<CachedResponse>[] joined = new CompletableFuture[1];
		StepVerifier.create(cache.get(this.rangedKey, loader)).then(() -> {
			// A write to the range the loading page shows, acknowledged during the load.
			database.set("after the write");
			invalidate(cache, "range:1", "w1");
			joined[0] = cache.get(this.rangedKey, loader).toFuture();
		})
			.then(() -> firstLoadEnds.tryEmitValue("ended").orThrow())
			.assertNext((response) -> assertThat(json(response)).contains("after the write"))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(json(joined[0].get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))).contains("after the write");
	}

	@Test
	void contentThatNamesNewScopesOnEveryLoadIsAnsweredUnstoredAfterTwoMoreLookups() {
		ResponseCache cache = cache();
		Mono<Object> loader = Mono.defer(
				() -> Mono.just(new ScopedBody(ITEM, Set.of("range:" + this.loaderSubscriptions.incrementAndGet()))));
		assertThat(getNow(cache, this.rangedKey, loader).outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(this.loaderSubscriptions).hasValue(4);
	}

	@Test
	void aChangeToAScopeAResponsesContentNamedLoadsItAgainWhenRewarming() {
		ResponseCache cache = cacheRewarming(32, 1);
		AtomicInteger versions = new AtomicInteger();
		Mono<Object> loader = Mono
			.defer(() -> Mono.just(new ScopedBody(Map.of("version", versions.incrementAndGet()), Set.of("range:1"))));
		getNow(cache, this.rangedKey, loader);
		assertThat(versions).as("the guess's load, then the one under the named scopes").hasValue(2);

		invalidate(cache, "range:1", "change-1");

		assertThat(versions).hasValue(3);
		CachedResponse next = getNow(cache, this.rangedKey, loader);
		assertThat(next.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(json(next)).contains("\"version\":3");
	}

}
