package com.example.catalog.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Shows whether responses are being cached. Redis being unavailable is reported as
 * {@code DEGRADED}, which the health configuration ranks below {@code UP}: the service
 * keeps serving from the database, so it stays {@code UP} and ready.
 */
final class CacheHealthIndicator implements HealthIndicator {

	static final Status DEGRADED = new Status("DEGRADED", "Redis is unavailable; serving from the database");

	private final CacheProperties properties;

	private final CircuitBreaker breaker;

	private final RedisConnectionGate gate;

	CacheHealthIndicator(CacheProperties properties, CircuitBreaker breaker, RedisConnectionGate gate) {
		this.properties = properties;
		this.breaker = breaker;
		this.gate = gate;
	}

	@Override
	public Health health() {
		if (!this.properties.enabled()) {
			return Health.up().withDetail("cache", "disabled").build();
		}
		CircuitBreaker.State state = this.breaker.getState();
		boolean redisUp = this.gate.isOpen() && state != CircuitBreaker.State.OPEN
				&& state != CircuitBreaker.State.FORCED_OPEN;
		return Health.status(redisUp ? Status.UP : DEGRADED)
			.withDetail("redis", redisUp ? "UP" : "DOWN")
			.withDetail("circuitBreaker", state.name())
			.build();
	}

}
