package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * The entries in a {@link FakeRedis} and the near copies kept of them. TTL jitter is off,
 * so that an entry's freshness is exact, and time moves only with the
 * {@link MutableClock}.
 */
class StoredEntriesTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration TTL = Duration.ofMinutes(5);

	private static final Duration STALE_IF_ERROR = Duration.ofHours(1);

	private static final Duration NOT_FOUND_TTL = Duration.ofSeconds(10);

	private static final String VALUE_KEY = "test:resp:catalog:abc";

	private static final String STAMP = "7";

	private static final byte[] JSON = "{\"id\":1,\"name\":\"Widget\"}".getBytes(StandardCharsets.UTF_8);

	private final FakeRedis redis = new FakeRedis();

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final CircuitBreaker breaker = CircuitBreaker.of("test",
			CircuitBreakerConfig.custom().minimumNumberOfCalls(1000).slidingWindowSize(1000).build());

	private final NearCache nearCache = nearCache();

	private final StoredEntries entries = entries(this.nearCache, properties(DataSize.ofMegabytes(1), NOT_FOUND_TTL));

	private static NearCache nearCache() {
		return new NearCache(DataSize.ofMegabytes(64).toBytes(), TTL.multipliedBy(2).plus(STALE_IF_ERROR));
	}

	private static CacheProperties properties(DataSize maxEntryBytes, Duration notFoundTtl) {
		return new CacheProperties(true, TTL, 0.0, maxEntryBytes, Duration.ofMillis(250), 10_000, "test",
				Duration.ofSeconds(5), DataSize.ofMegabytes(64), STALE_IF_ERROR, Duration.ofSeconds(30), Duration.ZERO,
				Duration.ofSeconds(1), notFoundTtl, 1_000, Duration.ofMillis(500), 0, 1, Duration.ZERO);
	}

	/** Entries of an instance of its own, sharing only Redis with the others. */
	private StoredEntries entries(NearCache nearCache, CacheProperties properties) {
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		GuardedRedis guarded = new GuardedRedis(this.redis.template, this.breaker, properties.redisTimeout(), gate,
				new CacheMetrics(new SimpleMeterRegistry()));
		return new StoredEntries(guarded, nearCache, properties, this.clock);
	}

	private Lookup storeNow(StoredEntries entries, byte[] json) {
		Lookup[] result = new Lookup[1];
		StepVerifier.create(entries.store(VALUE_KEY, STAMP, json))
			.consumeNextWith((lookup) -> result[0] = lookup)
			.expectComplete()
			.verify(TIMEOUT);
		return result[0];
	}

	private static byte[] bytes(ByteBuffer buffer) {
		ByteBuffer view = buffer.duplicate();
		byte[] bytes = new byte[view.remaining()];
		view.get(bytes);
		return bytes;
	}

	private NearEntry heldNear(NearCache nearCache, String stamp) {
		return nearCache.heldFresh(VALUE_KEY, stamp, this.clock.millis());
	}

	@Test
	void aStoredEntryIsFetchedUnderItsStampAndKeptNearByTheInstanceThatFetchedIt() {
		Lookup stored = storeNow(this.entries, JSON);
		assertThat(stored.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(bytes(stored.near().plain())).isEqualTo(JSON);
		assertThat(heldNear(this.nearCache, STAMP)).as("kept near by the instance that stored it").isNotNull();

		NearCache othersNearCache = nearCache();
		StoredEntries otherInstance = entries(othersNearCache, properties(DataSize.ofMegabytes(1), NOT_FOUND_TTL));
		assertThat(heldNear(othersNearCache, STAMP)).isNull();
		StepVerifier.create(otherInstance.fetchStamped(VALUE_KEY, STAMP)).assertNext((near) -> {
			assertThat(bytes(near.plain())).isEqualTo(JSON);
			assertThat(near.entry().stamp()).isEqualTo(STAMP);
			assertThat(near.entry().etag()).isEqualTo(CacheEntry.etagOf(JSON));
			byte[] gzip = bytes(near.gzipOrNull());
			assertThat(Gzip.decompress(gzip, 0, gzip.length)).isEqualTo(JSON);
		}).expectComplete().verify(TIMEOUT);
		NearEntry keptNear = heldNear(othersNearCache, STAMP);
		assertThat(keptNear).as("kept near by the instance that fetched it").isNotNull();
		assertThat(bytes(keptNear.plain())).isEqualTo(JSON);
	}

	@Test
	void theStoredEntryIsGzipAndFreshForTheTtlWhileRedisKeepsItForStaleIfErrorLonger() {
		storeNow(this.entries, JSON);
		CacheEntry stored = CacheEntry.decode(this.redis.store.get(VALUE_KEY));
		assertThat(stored.stamp()).isEqualTo(STAMP);
		assertThat(stored.notFound()).isFalse();
		assertThat(stored.storedAtMillis()).isEqualTo(this.clock.millis());
		assertThat(stored.freshUntilMillis()).isEqualTo(this.clock.millis() + TTL.toMillis());
		assertThat(Gzip.decompress(bytes(stored.body()), 0, stored.bodyLength())).isEqualTo(JSON);
		assertThat(this.redis.setTtls).containsExactly(TTL.plus(STALE_IF_ERROR));
	}

	@Test
	void anEntryOfAnotherStampIsNeitherReturnedNorKeptNear() {
		storeNow(this.entries, JSON);
		NearCache othersNearCache = nearCache();
		StoredEntries otherInstance = entries(othersNearCache, properties(DataSize.ofMegabytes(1), NOT_FOUND_TTL));
		StepVerifier.create(otherInstance.fetchStamped(VALUE_KEY, "8")).expectComplete().verify(TIMEOUT);
		StepVerifier.create(otherInstance.fetchCurrent(VALUE_KEY, "8")).expectComplete().verify(TIMEOUT);
		assertThat(heldNear(othersNearCache, "8")).isNull();
		assertThat(heldNear(othersNearCache, STAMP)).isNull();
	}

	@Test
	void anEntryPastItsTtlIsStillFetchedStampedButIsNotCurrent() {
		storeNow(this.entries, JSON);
		this.clock.advance(TTL.minusMillis(1));
		StepVerifier.create(this.entries.fetchCurrent(VALUE_KEY, STAMP))
			.assertNext((near) -> assertThat(bytes(near.plain())).isEqualTo(JSON))
			.expectComplete()
			.verify(TIMEOUT);

		this.clock.advance(Duration.ofMillis(1));
		StepVerifier.create(this.entries.fetchCurrent(VALUE_KEY, STAMP)).expectComplete().verify(TIMEOUT);
		StepVerifier.create(this.entries.fetchStamped(VALUE_KEY, STAMP)).assertNext((near) -> {
			assertThat(near.freshAt(this.clock.millis())).isFalse();
			assertThat(bytes(near.plain())).isEqualTo(JSON);
		}).expectComplete().verify(TIMEOUT);
	}

	@Test
	void aBodyOverTheEntrySizeLimitIsAnsweredButNeitherStoredNorKeptNear() {
		StoredEntries small = entries(this.nearCache, properties(DataSize.ofBytes(16), NOT_FOUND_TTL));
		byte[] big = ("{\"description\":\"" + "x".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8);
		Lookup lookup = storeNow(small, big);
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(bytes(lookup.near().plain())).isEqualTo(big);
		assertThat(this.redis.count("SET")).isZero();
		assertThat(this.redis.store).doesNotContainKey(VALUE_KEY);
		assertThat(heldNear(this.nearCache, STAMP)).isNull();

		byte[] atTheLimit = "{\"a\":\"12345678\"}".getBytes(StandardCharsets.UTF_8);
		assertThat(atTheLimit).hasSize(16);
		assertThat(storeNow(small, atTheLimit).outcome()).isEqualTo(CacheOutcome.MISS_STORED);
	}

	@Test
	void aRedisFailureOnStoreAnswersTheBodyNotStoredInsteadOfFailing() {
		this.redis.fail("SET");
		Lookup lookup = storeNow(this.entries, JSON);
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED);
		assertThat(bytes(lookup.near().plain())).isEqualTo(JSON);
		assertThat(this.redis.count("SET")).isEqualTo(1);
		assertThat(this.redis.store).doesNotContainKey(VALUE_KEY);
		assertThat(heldNear(this.nearCache, STAMP)).as("nothing kept near that Redis does not hold").isNull();
	}

	@Test
	void aRedisFailureOnFetchSurfacesAsCacheUnavailable() {
		this.redis.fail("GET");
		StepVerifier.create(this.entries.fetchStamped(VALUE_KEY, STAMP))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
	}

	@Test
	void anUnreadableValueInRedisIsIgnored() {
		this.redis.store.put(VALUE_KEY, "garbage".getBytes(StandardCharsets.US_ASCII));
		StepVerifier.create(this.entries.fetchStamped(VALUE_KEY, STAMP)).expectComplete().verify(TIMEOUT);
		assertThat(heldNear(this.nearCache, STAMP)).isNull();
	}

	@Test
	void anEntryWhoseBodyIsNotGzipIsIgnored() {
		long now = this.clock.millis();
		this.redis.store.put(VALUE_KEY, CacheEntry.of(STAMP, now, now + TTL.toMillis(), JSON).encode());
		StepVerifier.create(this.entries.fetchStamped(VALUE_KEY, STAMP)).expectComplete().verify(TIMEOUT);
		assertThat(heldNear(this.nearCache, STAMP)).isNull();
	}

	@Test
	void aNotFoundProblemIsKeptForTheNotFoundTtlOnly() {
		byte[] problem = "{\"title\":\"Not Found\",\"detail\":\"No item with id 9\"}".getBytes(StandardCharsets.UTF_8);
		Lookup[] result = new Lookup[1];
		StepVerifier.create(this.entries.storeNotFound(VALUE_KEY, STAMP, problem))
			.consumeNextWith((lookup) -> result[0] = lookup)
			.expectComplete()
			.verify(TIMEOUT);
		Lookup lookup = result[0];
		assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_STORED);
		assertThat(lookup.near().entry().notFound()).isTrue();
		assertThat(this.redis.setTtls).as("no stale-if-error time for a 404").containsExactly(NOT_FOUND_TTL);
		CacheEntry stored = CacheEntry.decode(this.redis.store.get(VALUE_KEY));
		assertThat(stored.notFound()).isTrue();
		assertThat(stored.freshUntilMillis()).isEqualTo(this.clock.millis() + NOT_FOUND_TTL.toMillis());

		this.clock.advance(NOT_FOUND_TTL.minusMillis(1));
		StepVerifier.create(this.entries.fetchCurrent(VALUE_KEY, STAMP)).assertNext((near) -> {
			assertThat(near.entry().notFound()).isTrue();
			assertThat(bytes(near.plain())).isEqualTo(problem);
		}).expectComplete().verify(TIMEOUT);
		this.clock.advance(Duration.ofMillis(1));
		StepVerifier.create(this.entries.fetchCurrent(VALUE_KEY, STAMP)).expectComplete().verify(TIMEOUT);
	}

	@Test
	void aNotFoundTtlOfZeroKeepsNoProblem() {
		StoredEntries keepingNone = entries(this.nearCache, properties(DataSize.ofMegabytes(1), Duration.ZERO));
		StepVerifier.create(keepingNone.storeNotFound(VALUE_KEY, STAMP, "{}".getBytes(StandardCharsets.UTF_8)))
			.assertNext((lookup) -> assertThat(lookup.outcome()).isEqualTo(CacheOutcome.MISS_NOT_STORED))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("SET")).isZero();
	}

}
