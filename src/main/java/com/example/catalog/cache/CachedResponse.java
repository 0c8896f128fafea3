package com.example.catalog.cache;

import java.nio.ByteBuffer;

/**
 * A cacheable response body with its strong validator and how it was produced.
 */
public record CachedResponse(ByteBuffer body, String etag, CacheOutcome outcome, CacheScope scope) {

	/** The body for one response: a view that writing it cannot disturb. */
	public ByteBuffer bodyView() {
		return this.body.duplicate();
	}

}
