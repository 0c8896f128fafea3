package com.example.catalog.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Shows whether responses are being cached. Redis being unavailable is reported as
 * {@code DEGRADED}, which the health configuration ranks below {@code UP}: the service
 * keeps serving from the database, so it stays {@code UP} and ready.
 * <p>
 * Redis is asked directly (a {@code PING} bounded by the cache's Redis timeout) unless
 * the breaker is open: the breaker opens only after failed requests, so without traffic
 * it would go on saying a vanished Redis is up.
 */
final class CacheHealthIndicator implements ReactiveHealthIndicator {

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
	public Mono<Health> health() {
		if (!this.properties.enabled()) {
			return Mono.just(Health.up().withDetail("cache", "disabled").build());
		}
		CircuitBreaker.State state = this.breaker.getState();
		boolean breakerOpen = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
		Mono<Boolean> redisUp = breakerOpen ? Mono.just(false) : this.gate.answers(this.properties.redisTimeout());
		return redisUp.map((up) -> Health.status(up ? Status.UP : DEGRADED)
			.withDetail("redis", up ? "UP" : "DOWN")
			.withDetail("circuitBreaker", state.name())
			.build());
	}

}
