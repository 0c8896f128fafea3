package com.example.catalog.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * The generation counters: what a change increments, how often, and what happens while
 * Redis does not confirm it. Time is virtual throughout.
 */
class GenerationsTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration READ_TIMEOUT = Duration.ofMillis(100);

	private static final Duration INVALIDATION_TIMEOUT = Duration.ofSeconds(1);

	private final FakeRedis redis = new FakeRedis();

	private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("test");

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final Generations generations = generations();

	private Generations generations() {
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		CacheMetrics metrics = new CacheMetrics(this.registry);
		GuardedRedis guarded = new GuardedRedis(this.redis.template, this.breaker, READ_TIMEOUT, gate, metrics);
		return new Generations(guarded, "test", Duration.ofHours(3), INVALIDATION_TIMEOUT, READ_TIMEOUT, this.clock,
				metrics);
	}

	private String stampNow(String... scopes) {
		String[] stamp = new String[1];
		StepVerifier.create(this.generations.stamp(List.of(scopes)))
			.consumeNextWith((value) -> stamp[0] = value)
			.expectComplete()
			.verify(TIMEOUT);
		return stamp[0];
	}

	private void bumpNow(String changeId, String... scopes) {
		StepVerifier.create(this.generations.bump(List.of(scopes), changeId)).expectComplete().verify(TIMEOUT);
	}

	@Test
	void aChangeInvalidatesExactlyTheScopesItTouched() {
		String decor = stampNow("category:decor");
		String garden = stampNow("category:garden");
		String item = stampNow("item:7");
		bumpNow("tx:1", "category:decor", "item:7");
		assertThat(stampNow("category:decor")).isNotEqualTo(decor);
		assertThat(stampNow("item:7")).isNotEqualTo(item);
		assertThat(stampNow("category:garden")).isEqualTo(garden);
	}

	@Test
	void invalidatingEverythingChangesEveryStamp() {
		String decor = stampNow("category:decor");
		String none = stampNow();
		bumpNow("purge", Generations.EVERYTHING);
		assertThat(stampNow("category:decor")).isNotEqualTo(decor);
		assertThat(stampNow()).isNotEqualTo(none);
	}

	@Test
	void aChangeIsAppliedOnceHoweverOftenItIsReported() {
		String before = stampNow("category:decor");
		bumpNow("tx:1", "category:decor", "listings");
		String once = stampNow("category:decor");
		bumpNow("tx:1", "listings", "category:decor");
		bumpNow("tx:1", "category:decor", "listings");
		assertThat(stampNow("category:decor")).isNotEqualTo(before).isEqualTo(once);
		bumpNow("tx:2", "category:decor", "listings");
		assertThat(stampNow("category:decor")).isNotEqualTo(once);
		assertThat(this.redis.count("BUMP")).isEqualTo(4);
	}

	@Test
	void anInvalidationIsRetriedUntilRedisConfirmsIt() {
		String before = stampNow("category:decor");
		this.redis.failNext("BUMP", 3);
		StepVerifier.withVirtualTime(() -> this.generations.bump(List.of("category:decor"), "tx:1"))
			.thenAwait(INVALIDATION_TIMEOUT)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("BUMP")).isEqualTo(4);
		assertThat(stampNow("category:decor")).isNotEqualTo(before);
		assertThat(this.generations.hasPending()).isFalse();
	}

	@Test
	void anInvalidationMayTakeLongerThanAReadBeforeItCountsAsFailed() {
		stampNow("category:decor");
		this.redis.delay("BUMP", READ_TIMEOUT.multipliedBy(5));
		StepVerifier.withVirtualTime(() -> this.generations.bump(List.of("category:decor"), "tx:1"))
			.thenAwait(READ_TIMEOUT.multipliedBy(5))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("BUMP")).isEqualTo(1);
	}

	@Test
	void anInvalidationGoesThroughWhileTheBreakerTurnsReadsAway() {
		String before = stampNow("category:decor");
		this.breaker.transitionToForcedOpenState();
		StepVerifier.create(this.generations.stamp(List.of("category:decor")))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		bumpNow("tx:1", "category:decor");
		this.breaker.transitionToClosedState();
		assertThat(stampNow("category:decor")).isNotEqualTo(before);
	}

	@Test
	void anUnconfirmedChangeFailsItsWriterAndBypassesOnlyWhatItTouchedUntilRedisConfirmsIt() {
		String garden = stampNow("category:garden");
		this.redis.fail("BUMP");
		StepVerifier.withVirtualTime(() -> this.generations.bump(List.of("category:decor"), "tx:1"))
			.thenAwait(INVALIDATION_TIMEOUT)
			.expectError(InvalidationUnconfirmedException.class)
			.verify(TIMEOUT);
		assertThat(this.generations.hasPending()).isTrue();
		assertThat(this.registry.get("catalog.cache.invalidations").tag("outcome", "unconfirmed").timer().count())
			.isEqualTo(1);

		StepVerifier.create(this.generations.stamp(List.of("category:decor")))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		assertThat(stampNow("category:garden")).isEqualTo(garden);

		this.redis.heal();
		String decor = stampNow("category:decor");
		assertThat(this.generations.hasPending()).isFalse();
		assertThat(stampNow("category:decor")).isEqualTo(decor);
	}

	@Test
	void missingCountersAreSeededFromTheClockInOneRoundTrip() {
		String stamp = stampNow("category:decor", "listings");
		long millis = this.clock.millis();
		assertThat(stamp.split("\\.")).hasSize(3)
			.allSatisfy((value) -> assertThat(Long.parseLong(value)).isBetween(millis * 1000, millis * 1000 + 999));
		assertThat(this.redis.count("SEED")).isEqualTo(1);
		stampNow("category:decor", "listings");
		assertThat(this.redis.count("SEED")).isEqualTo(1);
	}

	@Test
	void countersNewToThisInstanceAreReadBySeedingThemAndKnownOnesByOneMget() {
		stampNow("item:7");
		assertThat(this.redis.count("SEED")).isEqualTo(1);
		assertThat(this.redis.count("MGET")).isZero();
		stampNow("item:7");
		stampNow("item:7");
		assertThat(this.redis.count("SEED")).isEqualTo(1);
		assertThat(this.redis.count("MGET")).isEqualTo(2);
	}

	@Test
	void sharedCountersShareOneClusterSlotWithTheirMarkers() {
		bumpNow("tx:1", "category:decor", "items:7");
		assertThat(this.redis.store.keySet()).hasSize(3)
			.allSatisfy((key) -> assertThat(hashTag(key)).isEqualTo("test"));
	}

	@Test
	void eachPrincipalsCounterLivesInASlotOfItsOwnWithItsMarker() {
		String alice = CacheKey.principalScope("alice");
		String before = stampNow(alice, "favorites");
		bumpNow("tx:1", alice, "favorites");
		bumpNow("tx:1", alice, "favorites");
		assertThat(stampNow(alice, "favorites").split("\\.")).as("everything, alice, favorites")
			.containsExactly(before.split("\\.")[0], String.valueOf(Long.parseLong(before.split("\\.")[1]) + 1),
					String.valueOf(Long.parseLong(before.split("\\.")[2]) + 1));
		assertThat(this.redis.count("BUMP")).as("one script per slot, each applied once").isEqualTo(4);
		assertThat(this.redis.store.keySet()).filteredOn((key) -> key.contains(alice))
			.hasSize(2)
			.allSatisfy((key) -> assertThat(hashTag(key)).isEqualTo("test:" + alice));
		assertThat(this.redis.store.keySet()).filteredOn((key) -> !key.contains(alice))
			.allSatisfy((key) -> assertThat(hashTag(key)).isEqualTo("test"));
	}

	private static String hashTag(String key) {
		return key.substring(key.indexOf('{') + 1, key.indexOf('}'));
	}

	@Test
	void aReadThatFailsWhileAChangeIsPendingIsNotPermanent() {
		this.redis.fail("BUMP");
		StepVerifier.withVirtualTime(() -> this.generations.bump(List.of("item:1"), "tx:9"))
			.thenAwait(INVALIDATION_TIMEOUT)
			.expectError(InvalidationUnconfirmedException.class)
			.verify(TIMEOUT);
		this.redis.heal();
		StepVerifier.create(this.generations.stamp(List.of("item:1")).then(Mono.just(true)))
			.expectNext(true)
			.expectComplete()
			.verify(TIMEOUT);
	}

	@Test
	void aReadWaitsForOneRetryOfThePendingChangesHoweverManyThereAre() {
		String garden = stampNow("category:garden");
		leavePending(50);
		this.redis.delay("BUMP", READ_TIMEOUT.dividedBy(2));
		StepVerifier.withVirtualTime(() -> this.generations.stamp(List.of("category:garden")))
			.thenAwait(READ_TIMEOUT)
			.expectNext(garden)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.generations.hasPending()).as("all confirmed by the one retry").isFalse();
	}

	@Test
	void concurrentReadsShareOneRetryOfThePendingChanges() {
		leavePending(20);
		this.redis.heal();
		int bumpsBefore = this.redis.count("BUMP");
		this.redis.delay("BUMP", READ_TIMEOUT.dividedBy(2));
		StepVerifier
			.withVirtualTime(() -> Mono.zip(this.generations.stamp(List.of("category:garden")),
					this.generations.stamp(List.of("category:decor")), this.generations.stamp(List.of("listings"))))
			.thenAwait(READ_TIMEOUT)
			.expectNextCount(1)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("BUMP") - bumpsBefore).as("one script per pending change").isEqualTo(20);
	}

	/** Makes {@code count} changes of items unconfirmed, so that they are pending. */
	private void leavePending(int count) {
		this.redis.fail("BUMP");
		for (int i = 0; i < count; i++) {
			String changeId = "tx:" + i;
			StepVerifier.withVirtualTime(() -> this.generations.bump(List.of("item:" + changeId), changeId))
				.thenAwait(INVALIDATION_TIMEOUT)
				.expectError(InvalidationUnconfirmedException.class)
				.verify(TIMEOUT);
		}
		assertThat(this.generations.hasPending()).isTrue();
	}

}
