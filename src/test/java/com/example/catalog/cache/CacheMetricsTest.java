package com.example.catalog.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Degradation is visible in the metrics: every result series exists from the start, and
 * the breaker's state is a gauge.
 */
class CacheMetricsTest {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void everyResultSeriesExistsBeforeTheFirstRequest() {
		new CacheMetrics(this.registry);
		for (String result : new String[] { "hit", "miss", "stale", "bypass" }) {
			assertThat(this.registry.get("catalog.cache.requests").tag("result", result).counter().count()).isZero();
		}
		assertThat(this.registry.get("catalog.cache.loads").counter().count()).isZero();
		assertThat(this.registry.get("catalog.cache.errors").counter().count()).isZero();
		assertThat(this.registry.get("catalog.cache.lease.waits").counter().count()).isZero();
	}

	@Test
	void theBreakerStateGaugeFollowsTheBreaker() {
		CircuitBreaker breaker = CircuitBreaker.ofDefaults("redis");
		new CacheMetrics(this.registry).watch(breaker, this.registry);
		assertThat(state("closed")).isEqualTo(1);
		assertThat(state("open")).isZero();
		breaker.transitionToOpenState();
		assertThat(state("open")).isEqualTo(1);
		assertThat(state("closed")).isZero();
		breaker.transitionToHalfOpenState();
		assertThat(state("half_open")).isEqualTo(1);
	}

	private double state(String state) {
		return this.registry.get("catalog.cache.redis.breaker.state").tag("state", state).gauge().value();
	}

}
