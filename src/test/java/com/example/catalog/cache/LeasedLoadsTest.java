package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.util.unit.DataSize;
import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * One instance's way from a miss to an entry, over a {@link FakeRedis} that other
 * instances are simulated in by writing to it directly. Time is the
 * {@link MutableClock}'s for freshness and virtual for the lease polls.
 */
class LeasedLoadsTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration TTL = Duration.ofMinutes(5);

	private static final Duration STALE_IF_ERROR = Duration.ofHours(1);

	private static final Duration REFRESH_AHEAD = Duration.ofSeconds(30);

	private static final Duration NOT_FOUND_TTL = Duration.ofSeconds(10);

	private static final Duration LEASE_TTL = Duration.ofSeconds(3);

	/** How often a waiter looks for the lease holder's value (LeasedLoads' own). */
	private static final Duration POLL = Duration.ofMillis(15);

	private static final String VALUE_KEY = "test:resp:catalog:abc";

	private static final String STAMP = "7";

	private static final String LEASE_KEY = VALUE_KEY + ":lease:" + STAMP;

	private static final Map<String, Object> ITEM = Map.of("name", "Widget");

	private static final String ITEM_JSON = "{\"name\":\"Widget\"}";

	private final FakeRedis redis = new FakeRedis();

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final CircuitBreaker breaker = CircuitBreaker.of("test",
			CircuitBreakerConfig.custom().minimumNumberOfCalls(1000).slidingWindowSize(1000).build());

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AtomicInteger loaderSubscriptions = new AtomicInteger();

	private final LeasedLoads leasedLoads = leasedLoads();

	private LeasedLoads leasedLoads() {
		CacheProperties properties = new CacheProperties(true, TTL, 0.0, DataSize.ofMegabytes(1),
				Duration.ofMillis(250), 10_000, "test", Duration.ofSeconds(2), DataSize.ofMegabytes(64), STALE_IF_ERROR,
				REFRESH_AHEAD, Duration.ZERO, Duration.ofSeconds(1), NOT_FOUND_TTL, 16, Duration.ofMillis(500), 0, 1,
				Duration.ZERO);
		CacheMetrics metrics = new CacheMetrics(this.registry);
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		GuardedRedis guarded = new GuardedRedis(this.redis.template, this.breaker, properties.redisTimeout(), gate,
				metrics);
		NearCache nearCache = new NearCache(properties.nearCacheMaxBytes().toBytes(),
				TTL.multipliedBy(2).plus(STALE_IF_ERROR));
		StoredEntries entries = new StoredEntries(guarded, nearCache, properties, this.clock);
		JsonLoads loads = new JsonLoads(JsonMapper.builder().build(), properties.loadTimeout(),
				new LoadBulkhead(properties.maxConcurrentLoads(), properties.loadQueueTimeout(), metrics), metrics,
				CacheSteps.UNOBSERVED);
		return new LeasedLoads(entries, new LoadLease(guarded, LEASE_TTL), loads, metrics, this.clock, REFRESH_AHEAD,
				CacheSteps.UNOBSERVED);
	}

	/** A loader, as a handler builds one per request, that counts its subscriptions. */
	private Mono<Object> loader(Mono<?> result) {
		return Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return result;
		});
	}

	private Mono<Object> loader(Object value) {
		return loader(Mono.just(value));
	}

	private Mono<Object> failingLoader(Throwable failure) {
		return loader(Mono.error(failure));
	}

	private static ErrorResponseException problem(HttpStatus status) {
		return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, "detail of " + status),
				null);
	}

	/** An entry of this stamp as another instance would have stored it. */
	private CacheEntry entry(String json, long freshUntilMillis) {
		return CacheEntry.compressed(STAMP, this.clock.millis(), freshUntilMillis,
				json.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Another instance stores a fresh {@code json} under this stamp just before this
	 * instance's attempt at the lease reaches Redis.
	 */
	private void anotherInstanceStoresAsTheLeaseIsAsked(String json) {
		byte[] othersValue = entry(json, this.clock.millis() + TTL.toMillis()).encode();
		given(this.redis.ops.setIfAbsent(anyString(), any(byte[].class), any(Duration.class)))
			.willAnswer((invocation) -> Mono.fromSupplier(() -> {
				this.redis.store.put(VALUE_KEY, othersValue);
				return this.redis.store.putIfAbsent(invocation.getArgument(0), invocation.getArgument(1)) == null;
			}));
	}

	private void storeInRedis(CacheEntry entry) {
		this.redis.store.put(VALUE_KEY, entry.encode());
	}

	private Lookup lookupNow(Mono<?> loader) {
		Lookup[] result = new Lookup[1];
		StepVerifier.create(this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader))
			.consumeNextWith((lookup) -> result[0] = lookup)
			.expectComplete()
			.verify(TIMEOUT);
		return result[0];
	}

	private static String body(Lookup lookup) {
		ByteBuffer view = lookup.near().plain().duplicate();
		byte[] bytes = new byte[view.remaining()];
		view.get(bytes);
		return new String(bytes, StandardCharsets.UTF_8);
	}

	private CacheEntry storedInRedis() {
		return CacheEntry.decode(this.redis.store.get(VALUE_KEY));
	}

	private double counter(String name) {
		return this.registry.get(name).counter().count();
	}

	private double refreshes(String outcome) {
		return this.registry.get("catalog.cache.refreshes").tag("outcome", outcome).counter().count();
	}

	@Test
	void aFreshStoredEntryIsAHitWithoutSubscribingToTheLoader() {
		storeInRedis(entry("{\"from\":\"redis\"}", this.clock.millis() + 1));
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(body(lookup)).isEqualTo("{\"from\":\"redis\"}");
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(this.redis.count("LEASE")).isZero();
		assertThat(counter("catalog.cache.loads")).isZero();
	}

	@Test
	void aMissLoadsOnceUnderTheLeaseAndStoresTheValue() {
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(body(lookup)).isEqualTo(ITEM_JSON);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(counter("catalog.cache.loads")).isEqualTo(1);
		CacheEntry stored = storedInRedis();
		assertThat(stored.stamp()).isEqualTo(STAMP);
		assertThat(stored.etag()).isEqualTo(lookup.near().entry().etag());
		assertThat(this.redis.count("LEASE")).isEqualTo(1);
		assertThat(this.redis.store).as("the lease is released").doesNotContainKey(LEASE_KEY);
		assertThat(lookupNow(loader(ITEM)).outcome()).isEqualTo(CacheOutcome.HIT);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void aMissRefusedAtOnceTakesNoLeaseAndNeverLoads() {
		ErrorResponseException refused = problem(HttpStatus.TOO_MANY_REQUESTS);
		AtomicInteger asked = new AtomicInteger();
		StepVerifier
			.create(this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null,
					Mono.defer(() -> Mono.error(refused)).doOnSubscribe((ignored) -> asked.incrementAndGet()).then(),
					loader(ITEM)))
			.expectErrorSatisfies((failure) -> assertThat(failure).isSameAs(refused))
			.verify(TIMEOUT);
		assertThat(asked).hasValue(1);
		assertThat(this.redis.count("LEASE")).as("lease attempts").isZero();
		assertThat(this.redis.count("RELEASE")).as("lease releases").isZero();
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(counter("catalog.cache.loads")).isZero();
	}

	/**
	 * The client's admission, a script of its own in Redis, and the attempt at the lease
	 * (with its second look) leave together: one round trip, not two.
	 */
	@Test
	void aMissAsksAdmissionInTheRoundTripOfItsLeaseAttempt() {
		Sinks.Empty<Void> admission = Sinks.empty();
		StepVerifier.create(this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, admission.asMono(), loader(ITEM)))
			.expectSubscription()
			.then(() -> {
				assertThat(this.redis.count("LEASE")).as("the lease asked before admission answered").isEqualTo(1);
				assertThat(this.redis.count("GET")).as("the lookup and the look sent with the lease").isEqualTo(2);
				assertThat(this.loaderSubscriptions).as("no load before admission").hasValue(0);
				admission.tryEmitEmpty();
			})
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.store).as("the lease is released").doesNotContainKey(LEASE_KEY);
	}

	@Test
	void aMissRefusedAfterItsLeaseWasTakenReleasesTheLeaseAndNeverLoads() {
		ErrorResponseException refused = problem(HttpStatus.TOO_MANY_REQUESTS);
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null,
					Mono.delay(Duration.ofMillis(5)).then(Mono.error(refused)), loader(ITEM)))
			.expectSubscription()
			.then(() -> assertThat(this.redis.store).as("the lease, taken meanwhile").containsKey(LEASE_KEY))
			.thenAwait(Duration.ofMillis(5))
			.expectErrorSatisfies((failure) -> assertThat(failure).isSameAs(refused))
			.verify(TIMEOUT);
		assertThat(this.redis.count("RELEASE")).as("lease releases").isEqualTo(1);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(counter("catalog.cache.loads")).isZero();
	}

	@Test
	void aMissRefusedWhileAnotherInstanceHoldsTheLeaseNeitherWaitsNorLoads() {
		this.redis.store.put(LEASE_KEY, "other-instance".getBytes(StandardCharsets.US_ASCII));
		ErrorResponseException refused = problem(HttpStatus.TOO_MANY_REQUESTS);
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null,
					Mono.delay(Duration.ofMillis(5)).then(Mono.error(refused)), loader(ITEM)))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(5))
			.expectErrorSatisfies((failure) -> assertThat(failure).isSameAs(refused))
			.verify(TIMEOUT);
		assertThat(this.redis.count("LEASE")).as("no poll").isEqualTo(1);
		assertThat(this.redis.count("RELEASE")).as("nothing of this instance's to release").isZero();
		assertThat(this.redis.string(LEASE_KEY)).isEqualTo("other-instance");
		assertThat(this.loaderSubscriptions).hasValue(0);
	}

	/**
	 * Redis fails the lease attempt while the admission is still on its way: the way
	 * around the cache waits for the same answer, and a refusal holds there too.
	 */
	@Test
	void whenRedisFailsTheLeaseAttemptARefusalStillHolds() {
		this.redis.fail("LEASE");
		ErrorResponseException refused = problem(HttpStatus.TOO_MANY_REQUESTS);
		AtomicInteger asked = new AtomicInteger();
		Mono<Void> admission = Mono.delay(Duration.ofMillis(5))
			.doOnSubscribe((ignored) -> asked.incrementAndGet())
			.then(Mono.<Void>error(refused))
			.cache();
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, admission, loader(ITEM)))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(5))
			.expectErrorSatisfies((failure) -> assertThat(failure).isSameAs(refused))
			.verify(TIMEOUT);
		assertThat(asked).hasValue(1);
		assertThat(this.loaderSubscriptions).hasValue(0);
	}

	@Test
	void aHitNeverAsksAdmission() {
		storeInRedis(entry("{\"from\":\"redis\"}", this.clock.millis() + TTL.toMillis()));
		AtomicInteger asked = new AtomicInteger();
		StepVerifier
			.create(this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null,
					Mono.<Void>empty().doOnSubscribe((ignored) -> asked.incrementAndGet()), loader(ITEM)))
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.HIT))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(asked).hasValue(0);
	}

	/**
	 * The store and the lease's release leave together: the release is sent while the
	 * store's reply is still on its way, so the two cost one round trip. Redis runs them
	 * in the order sent, the store first.
	 */
	@Test
	void aMissSendsTheLeasesReleaseWithTheStoreNotAfterItsReply() {
		this.redis.delay("SET", Duration.ofMillis(50));
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader(ITEM)))
			.expectSubscription()
			.then(() -> {
				assertThat(this.redis.count("SET")).as("store sent").isEqualTo(1);
				assertThat(this.redis.count("RELEASE")).as("release sent before the store's reply").isEqualTo(1);
			})
			.thenAwait(Duration.ofMillis(50))
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("RELEASE")).as("released once").isEqualTo(1);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
	}

	@Test
	void anEntryPastItsTtlIsLoadedAgain() {
		storeInRedis(entry("{\"from\":\"before\"}", this.clock.millis()));
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(body(lookup)).isEqualTo(ITEM_JSON);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void aLoaderAnswering404IsStoredAsANotFoundEntryForTheNotFoundTtl() {
		Lookup lookup = lookupNow(failingLoader(problem(HttpStatus.NOT_FOUND)));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(lookup.near().entry().notFound()).isTrue();
		assertThat(body(lookup)).contains("detail of 404");
		assertThat(storedInRedis().notFound()).isTrue();
		assertThat(this.redis.setTtls).containsExactly(NOT_FOUND_TTL);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
	}

	@Test
	void whenAnotherInstanceHoldsTheLeaseThisOnePollsForItsValueAndDoesNotLoad() {
		this.redis.store.put(LEASE_KEY, "other-instance".getBytes(StandardCharsets.US_ASCII));
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader(ITEM)))
			.expectSubscription()
			.then(() -> assertThat(this.redis.count("GET")).as("the lookup and the look sent with the lease attempt")
				.isEqualTo(2))
			.expectNoEvent(POLL)
			.then(() -> {
				assertThat(this.redis.count("GET")).as("and the first poll").isEqualTo(3);
				assertThat(this.redis.count("LEASE")).as("each poll an attempt at the lease").isEqualTo(2);
				storeInRedis(entry("{\"from\":\"holder\"}", this.clock.millis() + TTL.toMillis()));
			})
			.expectNoEvent(POLL.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.assertNext((lookup) -> {
				assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_COLLAPSED);
				assertThat(body(lookup)).isEqualTo("{\"from\":\"holder\"}");
			})
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(counter("catalog.cache.lease.waits")).isEqualTo(2);
		assertThat(this.redis.string(LEASE_KEY)).isEqualTo("other-instance");
		assertThat(this.redis.count("SET")).isZero();
	}

	@Test
	void whenTheHolderReleasesTheLeaseWithoutAValueAWaiterTakesItOverAndLoads() {
		this.redis.store.put(LEASE_KEY, "other-instance".getBytes(StandardCharsets.US_ASCII));
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader(ITEM)))
			.expectSubscription()
			.then(() -> this.redis.store.remove(LEASE_KEY))
			.thenAwait(POLL)
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.count("LEASE")).isEqualTo(2);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
	}

	@Test
	void pastTheLeaseTtlAWaiterLoadsOnItsOwnWithoutTouchingTheHoldersLease() {
		this.redis.store.put(LEASE_KEY, "stuck-instance".getBytes(StandardCharsets.US_ASCII));
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader(ITEM)))
			.expectSubscription()
			.expectNoEvent(POLL)
			.then(() -> this.clock.advance(LEASE_TTL))
			.thenAwait(POLL)
			.assertNext((lookup) -> {
				assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
				assertThat(body(lookup)).isEqualTo(ITEM_JSON);
			})
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.count("LEASE")).as("no further attempt at the lease past the deadline").isEqualTo(2);
		assertThat(this.redis.string(LEASE_KEY)).isEqualTo("stuck-instance");
	}

	@Test
	void aMissSendsItsSecondLookWithTheLeaseAttemptNotAfterItsReply() {
		this.redis.delay("LEASE", Duration.ofMillis(50));
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader(ITEM)))
			.expectSubscription()
			.then(() -> {
				assertThat(this.redis.count("LEASE")).isEqualTo(1);
				assertThat(this.redis.count("GET")).as("the lookup, and the second look before the lease's reply")
					.isEqualTo(2);
			})
			.thenAwait(Duration.ofMillis(50))
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void aValueStoredJustBeforeTheLeaseAttemptIsServedWithoutWaitingForTheHolder() {
		// Another instance holds the lease of this stamp again (a refresh, say) after it
		// stored the value this instance's lookup just missed.
		this.redis.store.put(LEASE_KEY, "other-instance".getBytes(StandardCharsets.US_ASCII));
		anotherInstanceStoresAsTheLeaseIsAsked("{\"from\":\"other\"}");
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_COLLAPSED);
		assertThat(body(lookup)).isEqualTo("{\"from\":\"other\"}");
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(counter("catalog.cache.lease.waits")).as("no poll").isZero();
		assertThat(this.redis.string(LEASE_KEY)).isEqualTo("other-instance");
	}

	@Test
	void aValueStoredBetweenTheLookupAndTakingTheLeaseIsServedWithoutLoading() {
		// Another instance stores its value and releases its lease just after this
		// instance's lookup found nothing, just before this instance takes the lease.
		anotherInstanceStoresAsTheLeaseIsAsked("{\"from\":\"other\"}");
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_COLLAPSED);
		assertThat(body(lookup)).isEqualTo("{\"from\":\"other\"}");
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(this.redis.count("GET")).as("the lookup and the look under the lease").isEqualTo(2);
		assertThat(this.redis.store).as("the lease is released").doesNotContainKey(LEASE_KEY);
	}

	@Test
	void theStaleCopyIsServedWhenTheLoadFailsWithAServerError() {
		storeInRedis(entry("{\"from\":\"before\"}", this.clock.millis() - 1));
		Lookup lookup = lookupNow(failingLoader(new IllegalStateException("connection refused")));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.STALE);
		assertThat(body(lookup)).isEqualTo("{\"from\":\"before\"}");
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.store).as("the lease is released").doesNotContainKey(LEASE_KEY);
	}

	@Test
	void theStaleCopyIsServedWhenTheLoadIsRefusedWithA503() {
		storeInRedis(entry("{\"from\":\"before\"}", this.clock.millis() - 1));
		Lookup lookup = lookupNow(failingLoader(problem(HttpStatus.SERVICE_UNAVAILABLE)));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.STALE);
		assertThat(body(lookup)).isEqualTo("{\"from\":\"before\"}");
	}

	@Test
	void theStaleCopyIsNotServedWhenTheLoadFailsWithAClientError() {
		storeInRedis(entry("{\"from\":\"before\"}", this.clock.millis() - 1));
		for (HttpStatus status : new HttpStatus[] { HttpStatus.TOO_MANY_REQUESTS, HttpStatus.BAD_REQUEST }) {
			StepVerifier
				.create(this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(),
						failingLoader(problem(status))))
				.expectErrorSatisfies((failure) -> {
					assertThat(failure).isInstanceOf(ErrorResponseException.class);
					assertThat(((ErrorResponseException) failure).getStatusCode().value()).isEqualTo(status.value());
				})
				.verify(TIMEOUT);
		}
		assertThat(this.loaderSubscriptions).hasValue(2);
	}

	@Test
	void withoutAStoredCopyAFailedLoadReachesTheCaller() {
		StepVerifier
			.create(this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(),
					failingLoader(new IllegalStateException("connection refused"))))
			.expectErrorMessage("connection refused")
			.verify(TIMEOUT);
		assertThat(this.redis.store).doesNotContainKey(VALUE_KEY).doesNotContainKey(LEASE_KEY);
	}

	@Test
	void whenRedisFailsTheLookupTheRequestBypassesItWithExactlyOneLoad() {
		this.redis.fail("GET");
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(body(lookup)).isEqualTo(ITEM_JSON);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(counter("catalog.cache.loads")).isEqualTo(1);
		assertThat(this.redis.count("LEASE")).isZero();
		assertThat(this.redis.count("SET")).isZero();
	}

	@Test
	void whenRedisFailsTakingTheLeaseTheRequestBypassesItWithExactlyOneLoadEvenWithAStaleCopy() {
		storeInRedis(entry("{\"from\":\"before\"}", this.clock.millis() - 1));
		this.redis.fail("LEASE");
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE);
		assertThat(body(lookup)).isEqualTo(ITEM_JSON);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void whenRedisFailsWhileWaitingForTheHolderTheWaiterBypassesItWithExactlyOneLoad() {
		this.redis.store.put(LEASE_KEY, "other-instance".getBytes(StandardCharsets.US_ASCII));
		StepVerifier
			.withVirtualTime(() -> this.leasedLoads.lookupOrLoad(VALUE_KEY, STAMP, null, Mono.empty(), loader(ITEM)))
			.expectSubscription()
			.then(() -> this.redis.fail("GET"))
			.thenAwait(POLL)
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.BYPASS_UNAVAILABLE))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
	}

	@Test
	void whenRedisFailsStoringTheValueItIsAnsweredNotStoredWithExactlyOneLoad() {
		this.redis.fail("SET");
		Lookup lookup = lookupNow(loader(ITEM));
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
	}

	/** An entry this instance holds, {@code left} before the end of its TTL. */
	private NearEntry heldNear(Duration left, boolean notFound) {
		long now = this.clock.millis();
		byte[] json = "{\"from\":\"before\"}".getBytes(StandardCharsets.UTF_8);
		CacheEntry entry = CacheEntry.compressed(STAMP, now - 1, now + left.toMillis(), json, notFound);
		this.redis.store.put(VALUE_KEY, entry.encode());
		return NearEntry.of(entry, json);
	}

	@Test
	void anEntryIsDueForRefreshOnceWithinTheRefreshAheadOfItsExpiry() {
		long now = this.clock.millis();
		assertThat(this.leasedLoads.dueForRefresh(heldNear(REFRESH_AHEAD.plusMillis(1), false), now)).isFalse();
		assertThat(this.leasedLoads.dueForRefresh(heldNear(REFRESH_AHEAD, false), now)).isTrue();
	}

	@Test
	void concurrentHitsOfAnEntryDueForRefreshRefreshItOnce() throws Exception {
		NearEntry near = heldNear(REFRESH_AHEAD.minusSeconds(1), false);
		Sinks.One<Object> reload = Sinks.one();
		int callers = 16;
		CountDownLatch start = new CountDownLatch(1);
		CountDownLatch done = new CountDownLatch(callers);
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		try {
			for (int i = 0; i < callers; i++) {
				executor.execute(() -> {
					try {
						start.await();
						this.leasedLoads.refreshIfExpiringSoon(VALUE_KEY, STAMP, near, loader(reload.asMono()));
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					finally {
						done.countDown();
					}
				});
			}
			start.countDown();
			assertThat(done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.redis.count("LEASE")).as("one refresh asks for the lease").isEqualTo(1);

		reload.tryEmitValue(ITEM).orThrow();
		CacheEntry refreshed = storedInRedis();
		assertThat(refreshed.freshUntilMillis()).isEqualTo(this.clock.millis() + TTL.toMillis());
		assertThat(refreshes("refreshed")).isEqualTo(1);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);

		this.leasedLoads.refreshIfExpiringSoon(VALUE_KEY, STAMP, near, loader(ITEM));
		assertThat(this.loaderSubscriptions).as("a hit after the refresh ended may start the next").hasValue(2);
	}

	@Test
	void aKept404IsNotRefreshedAhead() {
		NearEntry notFound = heldNear(Duration.ofSeconds(1), true);
		this.leasedLoads.refreshIfExpiringSoon(VALUE_KEY, STAMP, notFound, loader(ITEM));
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(this.redis.count("LEASE")).isZero();
	}

	@Test
	void anEntryNotYetDueIsNotRefreshed() {
		this.leasedLoads.refreshIfExpiringSoon(VALUE_KEY, STAMP, heldNear(REFRESH_AHEAD.plusSeconds(1), false),
				loader(ITEM));
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(this.redis.count("LEASE")).isZero();
	}

	@Test
	void aRefreshIsLeftToTheInstanceHoldingTheLease() {
		NearEntry near = heldNear(Duration.ofSeconds(1), false);
		this.redis.store.put(LEASE_KEY, "other-instance".getBytes(StandardCharsets.US_ASCII));
		this.leasedLoads.refreshIfExpiringSoon(VALUE_KEY, STAMP, near, loader(ITEM));
		assertThat(this.loaderSubscriptions).hasValue(0);
		assertThat(refreshes("refreshed")).isZero();
		assertThat(refreshes("failed")).isZero();
		assertThat(counter("catalog.cache.lease.waits")).as("a refresh does not wait for the holder").isZero();
	}

	@Test
	void aFailedRefreshIsCountedAndLeavesTheEntryAsItWas() {
		NearEntry near = heldNear(Duration.ofSeconds(1), false);
		byte[] before = this.redis.store.get(VALUE_KEY);
		this.leasedLoads.refreshIfExpiringSoon(VALUE_KEY, STAMP, near,
				failingLoader(new IllegalStateException("connection refused")));
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(refreshes("failed")).isEqualTo(1);
		assertThat(refreshes("refreshed")).isZero();
		assertThat(this.redis.store.get(VALUE_KEY)).isEqualTo(before);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
	}

}
