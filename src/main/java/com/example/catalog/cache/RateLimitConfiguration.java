package com.example.catalog.cache;

import java.time.Clock;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveRedisTemplate;

/**
 * The per-client buckets, through the same guarded Redis (timeout, circuit breaker) as
 * the cache.
 */
@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration {

	@Bean
	@ConditionalOnBooleanProperty(name = "catalog.limits.enabled", matchIfMissing = true)
	RateLimits rateLimits(ReactiveRedisTemplate<String, byte[]> cacheRedisTemplate, CacheProperties cache,
			LimitProperties limits, MeterRegistry meterRegistry, CircuitBreaker redisCircuitBreaker,
			RedisConnectionGate redisConnectionGate, Clock clock) {
		GuardedRedis redis = new GuardedRedis(cacheRedisTemplate, redisCircuitBreaker, cache.redisTimeout(),
				redisConnectionGate, new CacheMetrics(meterRegistry));
		return new RateLimits(redis, cache.keyPrefix(), limits.loadsPerSecond(), limits.burst(), clock);
	}

}
