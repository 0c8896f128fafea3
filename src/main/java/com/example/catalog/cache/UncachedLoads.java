package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

/**
 * Answers from the loader alone, storing nothing: when the cache is switched off, when a
 * load's content kept naming scopes its request had not read, and while Redis is
 * unavailable.
 */
final class UncachedLoads {

	private final JsonLoads loads;

	private final CacheMetrics metrics;

	/** Loads shared while Redis is unavailable, by value key; bounded. */
	private final Cache<String, CoalescedRead<byte[]>> bypassLoads = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(1))
		.build();

	UncachedLoads(JsonLoads loads, CacheMetrics metrics) {
		this.loads = loads;
		this.metrics = metrics;
	}

	/** One load of its own for this request, answered as {@code outcome}. */
	Mono<CachedResponse> load(CacheKey key, Mono<?> loader, CacheOutcome outcome) {
		return this.loads.load(loader).map((json) -> answer(key, json, outcome));
	}

	/**
	 * Loads for a request that cannot use Redis. Concurrent requests for one key share
	 * loads the way generation reads are shared: a request never takes the result of a
	 * load that started before it arrived (so it still sees every write acknowledged
	 * before it), but a burst costs two loads, not one per request.
	 */
	Mono<CachedResponse> bypassing(CacheKey key, String valueKey, Mono<?> loader) {
		return this.bypassLoads.get(valueKey, (ignored) -> new CoalescedRead<>(() -> this.loads.load(loader)))
			.get()
			.map((json) -> answer(key, json, CacheOutcome.BYPASS_UNAVAILABLE));
	}

	private CachedResponse answer(CacheKey key, byte[] json, CacheOutcome outcome) {
		this.metrics.served(outcome);
		return new CachedResponse(ByteBuffer.wrap(json), CacheEntry.etagOf(json), outcome, key.scope());
	}

}
