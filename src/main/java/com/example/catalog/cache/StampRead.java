package com.example.catalog.cache;

import reactor.core.publisher.Mono;

/**
 * The generations read for a request: their stamp, or the failure to read them.
 */
sealed interface StampRead {

	CacheKey key();

	Mono<Read> read();

	/**
	 * @param stamp the stamp the generations make
	 * @param stored what Redis held for the key, read in the same round trip, or
	 * {@code null} when it was not read along (this instance held an entry of the key)
	 */
	record Read(CacheKey key, Stamp stamp, StoredEntries.Stored stored) implements StampRead {

		@Override
		public Mono<Read> read() {
			return Mono.just(this);
		}

	}

	record Failed(CacheKey key, CacheUnavailableException failure) implements StampRead {

		@Override
		public Mono<Read> read() {
			return Mono.error(this.failure);
		}

	}

}
