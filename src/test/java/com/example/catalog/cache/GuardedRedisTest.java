package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.ReactiveRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Every Redis command is bounded by a timeout, reads go through the circuit breaker, and
 * every failure of Redis surfaces as {@link CacheUnavailableException}, counted once.
 */
class GuardedRedisTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration READ_TIMEOUT = Duration.ofMillis(100);

	private static final Duration OWN_TIMEOUT = Duration.ofSeconds(2);

	private static final String KEY = "test:resp:catalog:abc";

	private static final byte[] VALUE = "stored".getBytes(StandardCharsets.US_ASCII);

	private final FakeRedis redis = new FakeRedis();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final RedisConnectionGate gate = mock(RedisConnectionGate.class);

	private final CircuitBreaker breaker = CircuitBreaker.of("test",
			CircuitBreakerConfig.custom().minimumNumberOfCalls(1000).slidingWindowSize(1000).build());

	private final AtomicInteger operations = new AtomicInteger();

	private final GuardedRedis guardedRedis = guarded(this.breaker);

	private GuardedRedis guarded(CircuitBreaker breaker) {
		when(this.gate.isOpen()).thenReturn(true);
		return new GuardedRedis(this.redis.template, breaker, READ_TIMEOUT, this.gate, new CacheMetrics(this.registry));
	}

	/** GET of {@link #KEY}, counting how often the operation is applied. */
	private Function<ReactiveRedisTemplate<String, byte[]>, Mono<byte[]>> get() {
		return (template) -> {
			this.operations.incrementAndGet();
			return template.opsForValue().get(KEY);
		};
	}

	private Function<ReactiveRedisTemplate<String, byte[]>, Mono<Long>> incr() {
		return (template) -> {
			this.operations.incrementAndGet();
			return template.opsForValue().increment(KEY + ":counter");
		};
	}

	private double errorsCounted() {
		return this.registry.get("catalog.cache.errors").counter().count();
	}

	@Test
	void aCommandAnsweringWithinTheTimeoutPassesItsValue() {
		this.redis.store.put(KEY, VALUE);
		this.redis.delay("GET", READ_TIMEOUT.minusMillis(1));
		StepVerifier.withVirtualTime(() -> this.guardedRedis.call("GET", get()))
			.expectSubscription()
			.thenAwait(READ_TIMEOUT.minusMillis(1))
			.assertNext((value) -> assertThat(value).isEqualTo(VALUE))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("GET")).isEqualTo(1);
		assertThat(errorsCounted()).isZero();
	}

	@Test
	void aCommandThatFindsNothingCompletesEmptyAndIsNoFailure() {
		StepVerifier.create(this.guardedRedis.call("GET", get())).expectComplete().verify(TIMEOUT);
		assertThat(errorsCounted()).isZero();
	}

	@Test
	void aCommandSlowerThanTheTimeoutFailsAsUnavailableAndIsCounted() {
		this.redis.hang("GET");
		StepVerifier.withVirtualTime(() -> this.guardedRedis.call("GET", get()))
			.expectSubscription()
			.expectNoEvent(READ_TIMEOUT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasMessageContaining("GET")
				.hasCauseInstanceOf(TimeoutException.class))
			.verify(TIMEOUT);
		assertThat(errorsCounted()).isEqualTo(1);
	}

	@Test
	void aRedisExceptionBecomesUnavailableAndIsCounted() {
		this.redis.fail("GET");
		StepVerifier.create(this.guardedRedis.call("GET", get()))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasMessageContaining("GET")
				.hasCauseInstanceOf(RedisConnectionFailureException.class))
			.verify(TIMEOUT);
		assertThat(this.redis.count("GET")).isEqualTo(1);
		assertThat(errorsCounted()).isEqualTo(1);
	}

	@Test
	void anOpenBreakerRefusesAtOnceWithoutAskingRedisAndWithoutCountingAnError() {
		this.redis.hang("GET");
		this.breaker.transitionToForcedOpenState();
		StepVerifier.create(this.guardedRedis.call("GET", get()))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasCauseInstanceOf(CallNotPermittedException.class))
			.verify(READ_TIMEOUT);
		assertThat(this.operations).hasValue(0);
		assertThat(this.redis.count("GET")).isZero();
		assertThat(errorsCounted()).isZero();
	}

	@Test
	void failedCommandsOpenTheBreakerAndLaterOnesAreTurnedAwayWithoutReachingRedis() {
		CircuitBreaker tripping = CircuitBreaker.of("tripping",
				CircuitBreakerConfig.custom()
					.minimumNumberOfCalls(2)
					.slidingWindowSize(2)
					.failureRateThreshold(50)
					.waitDurationInOpenState(Duration.ofMinutes(1))
					.build());
		GuardedRedis guardedRedis = guarded(tripping);
		this.redis.fail("GET");
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(guardedRedis.call("GET", get()))
				.expectError(CacheUnavailableException.class)
				.verify(TIMEOUT);
		}
		assertThat(tripping.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		StepVerifier.create(guardedRedis.call("GET", get()))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasCauseInstanceOf(CallNotPermittedException.class))
			.verify(TIMEOUT);
		assertThat(this.redis.count("GET")).isEqualTo(2);
		assertThat(errorsCounted()).isEqualTo(2);
	}

	@Test
	void anUnbrokenCommandRunsWhileTheBreakerIsOpen() {
		this.breaker.transitionToForcedOpenState();
		StepVerifier.create(this.guardedRedis.callUnbroken("INCR", OWN_TIMEOUT, incr()))
			.expectNext(1L)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.redis.count("INCR")).isEqualTo(1);
		assertThat(this.redis.string(KEY + ":counter")).isEqualTo("1");
	}

	@Test
	void anUnbrokenCommandMayTakeLongerThanTheReadTimeoutWithinItsOwn() {
		this.redis.delay("INCR", OWN_TIMEOUT.minusMillis(1));
		StepVerifier.withVirtualTime(() -> this.guardedRedis.callUnbroken("INCR", OWN_TIMEOUT, incr()))
			.expectSubscription()
			.expectNoEvent(READ_TIMEOUT.multipliedBy(2))
			.thenAwait(OWN_TIMEOUT)
			.expectNext(1L)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(errorsCounted()).isZero();
	}

	@Test
	void anUnbrokenCommandSlowerThanItsOwnTimeoutFailsAsUnavailableAndIsCounted() {
		this.redis.hang("INCR");
		StepVerifier.withVirtualTime(() -> this.guardedRedis.callUnbroken("INCR", OWN_TIMEOUT, incr()))
			.expectSubscription()
			.expectNoEvent(OWN_TIMEOUT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasMessageContaining("INCR")
				.hasCauseInstanceOf(TimeoutException.class))
			.verify(TIMEOUT);
		assertThat(errorsCounted()).isEqualTo(1);
	}

	@Test
	void anUnbrokenCommandsRedisExceptionBecomesUnavailableAndIsCounted() {
		this.redis.fail("INCR");
		StepVerifier.create(this.guardedRedis.callUnbroken("INCR", OWN_TIMEOUT, incr()))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasCauseInstanceOf(RedisConnectionFailureException.class))
			.verify(TIMEOUT);
		assertThat(errorsCounted()).isEqualTo(1);
	}

	@Test
	void anErrorIsNotWrappedNorCountedAsRedisBeingUnavailable() {
		AssertionError bug = new AssertionError("a bug");
		StepVerifier.create(this.guardedRedis.call("GET", (template) -> Mono.error(bug)))
			.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(bug))
			.verify(TIMEOUT);
		StepVerifier.create(this.guardedRedis.callUnbroken("INCR", OWN_TIMEOUT, (template) -> Mono.error(bug)))
			.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(bug))
			.verify(TIMEOUT);
		assertThat(errorsCounted()).isZero();
	}

	@Test
	void anUnavailableFailureFromTheOperationPassesAsItIsAndIsNotCountedAgain() {
		CacheUnavailableException already = new CacheUnavailableException("already unavailable", null);
		StepVerifier.create(this.guardedRedis.call("GET", (template) -> Mono.error(already)))
			.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(already))
			.verify(TIMEOUT);
		assertThat(errorsCounted()).isZero();
	}

	@Test
	void eachSubscriptionSendsTheCommandAgain() {
		this.redis.store.put(KEY, VALUE);
		Mono<byte[]> read = this.guardedRedis.call("GET", get());
		assertThat(this.redis.count("GET")).as("nothing is sent before subscription").isZero();
		StepVerifier.create(read).expectNextCount(1).expectComplete().verify(TIMEOUT);
		StepVerifier.create(read).expectNextCount(1).expectComplete().verify(TIMEOUT);
		assertThat(this.redis.count("GET")).isEqualTo(2);
		assertThat(this.operations).hasValue(2);
	}

	@Test
	void beforeTheFirstConnectionACommandFailsAtOnceWithoutTouchingRedis() {
		this.redis.store.put(KEY, VALUE);
		Mono<byte[]> read = this.guardedRedis.call("GET", get());
		when(this.gate.isOpen()).thenReturn(false);
		StepVerifier.create(read).expectError(CacheUnavailableException.class).verify(TIMEOUT);
		assertThat(this.operations).as("the template was not touched").hasValue(0);
		assertThat(errorsCounted()).isZero();
		when(this.gate.isOpen()).thenReturn(true);
		StepVerifier.create(read).expectNextCount(1).expectComplete().verify(TIMEOUT);
	}

}
