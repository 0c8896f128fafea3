package com.example.catalog.cache;

import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Mono;

/**
 * The generations read for a request: their stamp, the failure to read them, or the read
 * still under way.
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

	/**
	 * A read sent when the request arrived and not awaited, so that the request can go on
	 * through WebFlux meanwhile; whoever needs it first waits for it, and a failure
	 * reaches it as {@link Failed}'s would.
	 */
	record Pending(CacheKey key, CompletableFuture<Read> sent) implements StampRead {

		/** {@code read}, subscribed to now. */
		static Pending of(CacheKey key, Mono<Read> read) {
			return new Pending(key, read.toFuture());
		}

		@Override
		public Mono<Read> read() {
			// A request that gives up does not cancel a read others may be sharing.
			return Mono.fromFuture(this.sent, true);
		}

	}

}
