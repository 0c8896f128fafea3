package com.example.catalog.cache;

import java.time.Duration;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a feature's loader the way every path of the cache does: counted, bounded by the
 * load timeout, and serialised to JSON once, so that the bytes stored are the bytes
 * answered.
 */
final class JsonLoads {

	private final JsonMapper jsonMapper;

	private final Duration loadTimeout;

	private final CacheMetrics metrics;

	JsonLoads(JsonMapper jsonMapper, Duration loadTimeout, CacheMetrics metrics) {
		this.jsonMapper = jsonMapper;
		this.loadTimeout = loadTimeout;
		this.metrics = metrics;
	}

	Mono<byte[]> load(Mono<?> loader) {
		return Mono.defer(() -> {
			this.metrics.loaded();
			return loader;
		}).timeout(this.loadTimeout).map(this.jsonMapper::writeValueAsBytes);
	}

}
