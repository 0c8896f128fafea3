package com.example.catalog.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * How long a held stamp is used and when it is read again, in virtual time, counting the
 * reads that reach (fake) Redis. Across instances, see {@link HeldStampsIntegrationTest}.
 */
class HeldGenerationsTest {

	private static final Duration LEASE = Duration.ofSeconds(1);

	private final VirtualTimeScheduler time = VirtualTimeScheduler.getOrSet();

	private final FakeRedis redis = new FakeRedis();

	private final HeldStamps held = new HeldStamps(LEASE, () -> this.time.now(TimeUnit.NANOSECONDS));

	private final Generations generations = generations();

	@AfterEach
	void realTime() {
		VirtualTimeScheduler.reset();
	}

	private Generations generations() {
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		CacheMetrics metrics = new CacheMetrics(registry);
		GuardedRedis guarded = new GuardedRedis(this.redis.template, CircuitBreaker.ofDefaults("test"),
				Duration.ofMillis(100), gate, metrics);
		InvalidationNotices notices = new InvalidationNotices(null, guarded, this.held, "test", Duration.ofSeconds(1),
				registry);
		this.held.listening(true);
		return new Generations(guarded, "test", Duration.ofHours(3), Duration.ofSeconds(1), Duration.ofMillis(100),
				new MutableClock(Instant.parse("2026-01-01T00:00:00Z")), metrics, this.held, notices);
	}

	@Test
	void aHeldStampIsUsedWithoutReadingUntilItsLeaseRunsOut() {
		String first = stamp("category:decor");
		advance(Duration.ofMillis(900));
		assertThat(stamp("category:decor")).isEqualTo(first);
		assertThat(reads()).isEqualTo(1);
		// The use above renewed it, 800 ms after the first read: used again...
		advance(Duration.ofMillis(900));
		assertThat(stamp("category:decor")).isEqualTo(first);
		assertThat(reads()).isEqualTo(2);
	}

	@Test
	void aSetNobodyUsedSinceItsReadIsNotRenewedAndLapses() {
		stamp("category:decor");
		advance(Duration.ofSeconds(5));
		assertThat(reads()).as("reads while nobody asked").isEqualTo(1);
		stamp("category:decor");
		assertThat(reads()).isEqualTo(2);
	}

	@Test
	void aSetUsedNowAndThenStaysHeldForAsLongAsItIsUsed() {
		stamp("category:decor");
		for (int i = 0; i < 10; i++) {
			advance(Duration.ofMillis(700));
			int before = reads();
			stamp("category:decor");
			assertThat(reads()).as("reads by the request at %s ms", (i + 1) * 700).isEqualTo(before);
		}
		// Renewed by the timer, 750 ms after each read (a fifth of the lease left).
		assertThat(reads()).isEqualTo(10);
	}

	@Test
	void aWriteOfThisInstanceEndsItsHeldStamps() {
		String before = stamp("category:decor");
		this.generations.bump(List.of("category:decor"), "tx:1").block(Duration.ofSeconds(1));
		String after = stamp("category:decor");
		assertThat(after).isNotEqualTo(before);
		assertThat(reads()).isEqualTo(2);
	}

	private String stamp(String scope) {
		return this.generations.stamp(List.of(scope)).block(Duration.ofSeconds(1));
	}

	private int reads() {
		return this.redis.count("HELD READ");
	}

	private void advance(Duration duration) {
		this.time.advanceTimeBy(duration);
	}

}
