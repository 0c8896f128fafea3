package com.example.catalog.cache;

import java.nio.ByteBuffer;

/**
 * A cacheable response body with its strong validator and how it was produced. The body
 * is the JSON; {@code gzipBody}, when present, is the same JSON gzip-compressed, as
 * stored.
 */
public record CachedResponse(ByteBuffer body, ByteBuffer gzipBody, String etag, CacheOutcome outcome,
		CacheScope scope) {

	public CachedResponse(ByteBuffer body, String etag, CacheOutcome outcome, CacheScope scope) {
		this(body, null, etag, outcome, scope);
	}

	/** The body for one response: a view that writing it cannot disturb. */
	public ByteBuffer bodyView() {
		return this.body.duplicate();
	}

	ByteBuffer gzipBodyView() {
		return (this.gzipBody != null) ? this.gzipBody.duplicate() : null;
	}

}
