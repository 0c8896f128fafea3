package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/**
 * The load lease over a {@link FakeRedis}: who runs the work, and when the lease is
 * released and by whom.
 */
class LoadLeaseTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration LEASE_TTL = Duration.ofSeconds(3);

	private static final String VALUE_KEY = "test:resp:catalog:abc";

	private static final String STAMP = "7";

	private static final String LEASE_KEY = VALUE_KEY + ":lease:" + STAMP;

	private final FakeRedis redis = new FakeRedis();

	private final CircuitBreaker breaker = CircuitBreaker.of("test",
			CircuitBreakerConfig.custom().minimumNumberOfCalls(1000).slidingWindowSize(1000).build());

	private final LoadLease lease = new LoadLease(guardedRedis(), LEASE_TTL);

	private final AtomicInteger workSubscriptions = new AtomicInteger();

	private final AtomicInteger elsewhereSubscriptions = new AtomicInteger();

	private GuardedRedis guardedRedis() {
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		return new GuardedRedis(this.redis.template, this.breaker, Duration.ofMillis(100), gate,
				new CacheMetrics(new SimpleMeterRegistry()));
	}

	/** Work that counts its subscriptions and answers what {@code result} does. */
	private Mono<String> work(Mono<String> result) {
		return Mono.defer(() -> {
			this.workSubscriptions.incrementAndGet();
			return result;
		});
	}

	private Mono<String> heldElsewhere() {
		return Mono.defer(() -> {
			this.elsewhereSubscriptions.incrementAndGet();
			return Mono.just("held elsewhere");
		});
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	@Test
	void whenTheLeaseIsFreeTheWorkRunsHoldingItAndReleasesItAfterwards() {
		boolean[] heldDuringWork = new boolean[1];
		Mono<String> work = work(Mono.fromSupplier(() -> {
			heldDuringWork[0] = this.redis.store.containsKey(LEASE_KEY);
			return "loaded";
		}));
		StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work, heldElsewhere()))
			.expectNext("loaded")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(heldDuringWork[0]).as("the lease was held while the work ran").isTrue();
		assertThat(this.workSubscriptions).hasValue(1);
		assertThat(this.elsewhereSubscriptions).hasValue(0);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
		assertThat(this.redis.count("RELEASE")).isEqualTo(1);
		verify(this.redis.ops).setIfAbsent(eq(LEASE_KEY), any(byte[].class), eq(LEASE_TTL));
	}

	@Test
	void whenAnotherHolderHasTheLeaseTheFallbackRunsAndTheWorkDoesNot() {
		this.redis.store.put(LEASE_KEY, ascii("other-instance"));
		StepVerifier
			.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work(Mono.just("loaded")), heldElsewhere()))
			.expectNext("held elsewhere")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.workSubscriptions).hasValue(0);
		assertThat(this.elsewhereSubscriptions).hasValue(1);
		assertThat(this.redis.string(LEASE_KEY)).as("the holder's lease is left alone").isEqualTo("other-instance");
		assertThat(this.redis.count("RELEASE")).isZero();
	}

	@Test
	void eachStampHasALeaseOfItsOwn() {
		this.redis.store.put(VALUE_KEY + ":lease:6", ascii("other-instance"));
		StepVerifier
			.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work(Mono.just("loaded")), heldElsewhere()))
			.expectNext("loaded")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.elsewhereSubscriptions).hasValue(0);
		assertThat(this.redis.string(VALUE_KEY + ":lease:6")).isEqualTo("other-instance");
	}

	@Test
	void aFailedWorkReleasesTheLeaseAndItsFailureReachesTheCaller() {
		Mono<String> failing = work(Mono.error(new IllegalStateException("database down")));
		StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> failing, heldElsewhere()))
			.expectErrorMessage("database down")
			.verify(TIMEOUT);
		assertThat(this.workSubscriptions).hasValue(1);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
		assertThat(this.redis.count("RELEASE")).isEqualTo(1);
	}

	@Test
	void aWorkFailingBecauseRedisIsUnavailableLeavesTheLeaseToExpire() {
		Mono<String> failing = work(Mono.error(new CacheUnavailableException("Redis SET failed", null)));
		StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> failing, heldElsewhere()))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		assertThat(this.redis.count("RELEASE")).isZero();
		assertThat(this.redis.store).containsKey(LEASE_KEY);
	}

	@Test
	void releaseDeletesOnlyTheLeaseThisHolderTookNotOneRetakenAfterItExpired() {
		// The work outlives the lease's TTL: Redis drops it and another instance takes
		// it, with a token of its own, before the work ends.
		Mono<String> slowWork = work(Mono.fromSupplier(() -> {
			this.redis.store.put(LEASE_KEY, ascii("next-holder"));
			return "loaded";
		}));
		StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> slowWork, heldElsewhere()))
			.expectNext("loaded")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("RELEASE")).isEqualTo(1);
		assertThat(this.redis.string(LEASE_KEY)).isEqualTo("next-holder");
	}

	@Test
	void eachCallTakesTheLeaseWithATokenOfItsOwn() {
		byte[][] tokens = new byte[2][];
		for (int i = 0; i < 2; i++) {
			int call = i;
			Mono<String> work = work(Mono.fromSupplier(() -> {
				tokens[call] = this.redis.store.get(LEASE_KEY);
				return "loaded";
			}));
			StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work, heldElsewhere()))
				.expectNext("loaded")
				.expectComplete()
				.verify(TIMEOUT);
		}
		assertThat(tokens[0]).isNotNull().isNotEqualTo(tokens[1]);
	}

	@Test
	void workThatCompletesEmptyReleasesTheLease() {
		StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work(Mono.empty()), heldElsewhere()))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.workSubscriptions).hasValue(1);
		assertThat(this.redis.count("RELEASE")).isEqualTo(1);
		assertThat(this.redis.store).as("released, not left to expire").doesNotContainKey(LEASE_KEY);
	}

	@Test
	void workThatSendsTheReleaseItselfHoldsTheLeaseUntilThenAndReleasesItOnce() {
		boolean[] heldBeforeRelease = new boolean[1];
		StepVerifier.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> Mono.fromSupplier(() -> {
			heldBeforeRelease[0] = this.redis.store.containsKey(LEASE_KEY);
			return "loaded";
		}).flatMap((value) -> release.thenReturn(value)), heldElsewhere()))
			.expectNext("loaded")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(heldBeforeRelease[0]).isTrue();
		assertThat(this.redis.count("RELEASE")).as("not again afterwards").isEqualTo(1);
		assertThat(this.redis.store).doesNotContainKey(LEASE_KEY);
	}

	@Test
	void aRedisFailureTakingTheLeaseSurfacesAsCacheUnavailableAndRunsNeither() {
		this.redis.fail("LEASE");
		StepVerifier
			.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work(Mono.just("loaded")), heldElsewhere()))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		assertThat(this.workSubscriptions).hasValue(0);
		assertThat(this.elsewhereSubscriptions).hasValue(0);
	}

	@Test
	void aRedisFailureReleasingTheLeaseDoesNotFailTheWork() {
		this.redis.fail("RELEASE");
		StepVerifier
			.create(this.lease.underLease(VALUE_KEY, STAMP, (release) -> work(Mono.just("loaded")), heldElsewhere()))
			.expectNext("loaded")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("RELEASE")).isEqualTo(1);
		assertThat(this.redis.store).as("left to expire").containsKey(LEASE_KEY);
	}

}
