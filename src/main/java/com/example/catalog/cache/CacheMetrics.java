package com.example.catalog.cache;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The cache's counters, registered up front so that every series is visible from
 * start-up.
 */
final class CacheMetrics {

	private final Map<CacheOutcome, Counter> requests = new EnumMap<>(CacheOutcome.class);

	private final Counter loads;

	private final Counter errors;

	private final Counter leaseWaits;

	private final Timer invalidationsConfirmed;

	private final Timer invalidationsUnconfirmed;

	private final Counter refreshesDone;

	private final Counter refreshesFailed;

	private final Counter loadsRejected;

	private final Map<CacheOutcome, Counter> rewarms = new EnumMap<>(CacheOutcome.class);

	private final Counter rewarmsFailed;

	private final MeterRegistry registry;

	CacheMetrics(MeterRegistry registry) {
		this.registry = registry;
		for (CacheOutcome outcome : CacheOutcome.values()) {
			this.requests.put(outcome,
					Counter.builder("catalog.cache.requests")
						.description("Cacheable GET requests by how they were served")
						.tag("result", outcome.metricResult())
						.register(registry));
		}
		this.loads = Counter.builder("catalog.cache.loads")
			.description("Cacheable responses loaded from the database")
			.register(registry);
		this.errors = Counter.builder("catalog.cache.errors")
			.description("Redis operations that failed or timed out")
			.register(registry);
		this.leaseWaits = Counter.builder("catalog.cache.lease.waits")
			.description("Polls for a value another instance held the load lease for")
			.register(registry);
		this.invalidationsConfirmed = invalidationTimer(registry, "confirmed");
		this.invalidationsUnconfirmed = invalidationTimer(registry, "unconfirmed");
		this.refreshesDone = refreshCounter(registry, "refreshed");
		this.refreshesFailed = refreshCounter(registry, "failed");
		this.loadsRejected = Counter.builder("catalog.cache.loads.rejected")
			.description("Loads refused with a 503 after waiting for a place under the ceiling of concurrent loads")
			.register(registry);
		for (CacheOutcome outcome : CacheOutcome.values()) {
			this.rewarms.put(outcome, rewarmCounter(registry, outcome.metricResult()));
		}
		this.rewarmsFailed = rewarmCounter(registry, "failed");
	}

	private static Counter rewarmCounter(MeterRegistry registry, String result) {
		return Counter.builder("catalog.cache.rewarms")
			.description("Entries a change invalidated, loaded again in the background, by what the load found: "
					+ "miss (loaded), hit (already loaded), failed")
			.tag("result", result)
			.register(registry);
	}

	/** Exposes the loads running and waiting under {@code bulkhead}'s ceiling. */
	void watch(LoadBulkhead bulkhead) {
		Gauge.builder("catalog.cache.loads.running", bulkhead, LoadBulkhead::running)
			.description("Loads from the database running now")
			.register(this.registry);
		Gauge.builder("catalog.cache.loads.waiting", bulkhead, LoadBulkhead::waiting)
			.description("Loads waiting for a place under the ceiling of concurrent loads")
			.register(this.registry);
	}

	private static Counter refreshCounter(MeterRegistry registry, String outcome) {
		return Counter.builder("catalog.cache.refreshes")
			.description("Entries refreshed ahead of their expiry, by whether the refresh succeeded")
			.tag("outcome", outcome)
			.register(registry);
	}

	private static Timer invalidationTimer(MeterRegistry registry, String outcome) {
		return Timer.builder("catalog.cache.invalidations")
			.description("Invalidations sent to Redis, by whether Redis confirmed them in time")
			.tag("outcome", outcome)
			.publishPercentiles(0.5, 0.99)
			.register(registry);
	}

	/**
	 * Exposes the Redis circuit breaker's state as
	 * {@code catalog_cache_redis_breaker_state{state=...}}, 1 for the current state.
	 */
	void watch(CircuitBreaker breaker, MeterRegistry registry) {
		for (CircuitBreaker.State state : List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN,
				CircuitBreaker.State.HALF_OPEN)) {
			Gauge
				.builder("catalog.cache.redis.breaker.state", breaker,
						(watched) -> (watched.getState() == state) ? 1 : 0)
				.description("State of the circuit breaker in front of Redis (1 for the current state)")
				.tag("state", state.name().toLowerCase(Locale.ROOT))
				.register(registry);
		}
	}

	void leaseWaited() {
		this.leaseWaits.increment();
	}

	void served(CacheOutcome outcome) {
		this.requests.get(outcome).increment();
	}

	void invalidated(boolean confirmed, long nanos) {
		(confirmed ? this.invalidationsConfirmed : this.invalidationsUnconfirmed).record(nanos, TimeUnit.NANOSECONDS);
	}

	void refreshed(boolean succeeded) {
		(succeeded ? this.refreshesDone : this.refreshesFailed).increment();
	}

	void rewarmed(CacheOutcome outcome) {
		this.rewarms.get(outcome).increment();
	}

	void rewarmFailed() {
		this.rewarmsFailed.increment();
	}

	void loaded() {
		this.loads.increment();
	}

	void loadRejected() {
		this.loadsRejected.increment();
	}

	void redisFailed() {
		this.errors.increment();
	}

}
