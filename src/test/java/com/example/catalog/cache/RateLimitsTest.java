package com.example.catalog.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import com.example.catalog.TestServers;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * The buckets: one per client across instances while Redis answers (two
 * {@link RateLimits} on one real Redis stand for two instances), one per client and
 * instance when it does not.
 */
class RateLimitsTest {

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));

	private LettuceConnectionFactory factory;

	@AfterEach
	void closeRedis() {
		if (this.factory != null) {
			this.factory.destroy();
		}
	}

	@Test
	void twoInstancesTakeFromOneBucketPerClient() {
		String prefix = "limits-test-" + UUID.randomUUID();
		// Redis's clock refills these buckets: slow enough that a slow test machine
		// does not refill one between two takes
		RateLimits first = limits(realRedis(), prefix, 0.01);
		RateLimits second = limits(realRedis(), prefix, 0.01);
		String client = "address:10.0.0.1";
		assertAllowed(first, client, true);
		assertAllowed(second, client, true);
		assertAllowed(first, client, true);
		StepVerifier.create(second.take(client)).assertNext((allowance) -> {
			assertThat(allowance.allowed()).isFalse();
			// one token in 100 s
			assertThat(allowance.retryAfterSeconds()).isBetween(1L, 100L);
			assertThat(allowance.remaining()).isZero();
		}).verifyComplete();
		assertAllowed(first, "address:10.0.0.2", true);
	}

	@Test
	void whenRedisFailsEachInstanceLimitsByItselfRatherThanLettingEverythingThrough() {
		RateLimits limits = limits(failingRedis(), "limits-test", 1);
		String client = "principal:mallory";
		for (int i = 0; i < 3; i++) {
			assertAllowed(limits, client, true);
		}
		assertAllowed(limits, client, false);
		assertAllowed(limits, "principal:alice", true);
		this.clock.advance(Duration.ofSeconds(1));
		assertAllowed(limits, client, true);
		assertAllowed(limits, client, false);
	}

	@Test
	void aRefusedClientIsRefusedWithoutAskingRedisUntilItsNextTokenIsDue() {
		// one token a second; Redis answers "refused, 0.4 of a token left": the next is
		// due in 600 ms
		AtomicInteger asked = new AtomicInteger();
		RateLimits limits = limits(redisAnswering(asked, List.of(0L, 400L)), "limits-test", 1);
		String client = "principal:mallory";
		assertAllowed(limits, client, false);
		this.clock.advance(Duration.ofMillis(599));
		StepVerifier.create(limits.take(client)).assertNext((allowance) -> {
			assertThat(allowance.allowed()).isFalse();
			assertThat(allowance.retryAfterSeconds()).isEqualTo(1);
			assertThat(allowance.remaining()).isZero();
		}).verifyComplete();
		assertThat(asked).as("Redis asked").hasValue(1);
		assertAllowed(limits, "principal:alice", false);
		assertThat(asked).as("Redis asked, another client").hasValue(2);
		this.clock.advance(Duration.ofMillis(1));
		assertAllowed(limits, client, false);
		assertThat(asked).as("Redis asked once the next token is due").hasValue(3);
	}

	private static void assertAllowed(RateLimits limits, String client, boolean allowed) {
		StepVerifier.create(limits.take(client))
			.assertNext((allowance) -> assertThat(allowance.allowed()).as("%s allowed", client).isEqualTo(allowed))
			.verifyComplete();
	}

	/** Buckets of 3 tokens. */
	private RateLimits limits(ReactiveRedisTemplate<String, byte[]> template, String prefix, double perSecond) {
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("redis");
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		GuardedRedis redis = new GuardedRedis(template, breaker, Duration.ofSeconds(2), gate,
				new CacheMetrics(new SimpleMeterRegistry()));
		return new RateLimits(redis, prefix, perSecond, 3, this.clock);
	}

	private ReactiveRedisTemplate<String, byte[]> realRedis() {
		if (this.factory == null) {
			String url = (String) TestServers.serverProperties().get("spring.data.redis.url");
			this.factory = new LettuceConnectionFactory(LettuceConnectionFactory.createRedisConfiguration(url));
			this.factory.afterPropertiesSet();
			this.factory.start();
		}
		return new ReactiveRedisTemplate<>(this.factory,
				RedisSerializationContext.<String, byte[]>newSerializationContext(RedisSerializer.string())
					.value(RedisSerializer.byteArray())
					.build());
	}

	/** Redis whose bucket script always answers {@code reply}, counting the calls. */
	@SuppressWarnings("unchecked")
	private static ReactiveRedisTemplate<String, byte[]> redisAnswering(AtomicInteger calls, List<Long> reply) {
		ReactiveRedisTemplate<String, byte[]> template = mock(ReactiveRedisTemplate.class);
		given(template.execute(any(RedisScript.class), anyList(), anyList()))
			.willAnswer((invocation) -> Flux.defer(() -> {
				calls.incrementAndGet();
				return Flux.just(reply);
			}));
		return template;
	}

	@SuppressWarnings("unchecked")
	private static ReactiveRedisTemplate<String, byte[]> failingRedis() {
		ReactiveRedisTemplate<String, byte[]> template = mock(ReactiveRedisTemplate.class);
		given(template.execute(any(RedisScript.class), anyList(), anyList()))
			.willAnswer((invocation) -> Flux.error(new RedisConnectionFailureException("Redis is down")));
		return template;
	}

}
