package com.example.catalog.cache;

import reactor.core.publisher.Mono;

/** The generations read for a request: their stamp, or the failure to read them. */
sealed interface StampRead {

	CacheKey key();

	Mono<Stamp> value();

	record Read(CacheKey key, Stamp stamp) implements StampRead {

		@Override
		public Mono<Stamp> value() {
			return Mono.just(this.stamp);
		}

	}

	record Failed(CacheKey key, CacheUnavailableException failure) implements StampRead {

		@Override
		public Mono<Stamp> value() {
			return Mono.error(this.failure);
		}

	}

}
