package com.example.catalog.cache;

import reactor.core.publisher.Mono;

/** What {@link ResponseCache#nearHit} found. */
sealed interface NearLookup {

	/** This instance holds the current entry: the response to write. */
	record Hit(CachedResponse response) implements NearLookup {

	}

	/**
	 * Not answered here (the entry held is not the current one, is due for a refresh or
	 * is a kept 404; or the cache is off): the generations read for the request, if any
	 * were read, for {@link ResponseCache#respond} to reuse.
	 */
	record Miss(StampRead read) implements NearLookup {

		/**
		 * Whether Redis held no entry of the key either, read along with the generations:
		 * the request can only load.
		 */
		boolean nothingStored() {
			return this.read instanceof StampRead.Read found && found.stored() != null
					&& found.stored().bytes() == null;
		}

	}

	/**
	 * This instance holds no entry of the key, so the request cannot be a hit here: its
	 * generations, and the entry Redis holds, are being read along for
	 * {@link ResponseCache#respond} while the request goes on.
	 */
	record NotHeld(StampRead.Pending read) implements NearLookup {

		/** The read, once Redis has answered it (or failed to), as a {@link Miss}. */
		Mono<Miss> answered() {
			return this.read.read()
				.map(Miss::new)
				.onErrorResume(CacheUnavailableException.class,
						(ex) -> Mono.just(new Miss(new StampRead.Failed(this.read.key(), ex))));
		}

	}

}
