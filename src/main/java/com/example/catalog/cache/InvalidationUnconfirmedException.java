package com.example.catalog.cache;

import java.util.Collection;

/**
 * A change was made but Redis did not confirm its invalidation within
 * {@code catalog.cache.invalidation-timeout}. The change stands; other instances learn of
 * it from the database's change feed and stop serving what it affects, and this instance
 * bypasses the cache for it until the invalidation lands. A writer should tell its client
 * that the change is saved but may not be visible everywhere yet.
 */
public class InvalidationUnconfirmedException extends RuntimeException {

	InvalidationUnconfirmedException(Collection<String> scopes, Throwable cause) {
		super("Redis did not confirm the invalidation of " + scopes + " in time", cause);
	}

}
