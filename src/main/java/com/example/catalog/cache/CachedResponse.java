package com.example.catalog.cache;

import java.nio.ByteBuffer;

/**
 * A cacheable response body with its strong validator and how it was produced. The body
 * is the JSON; {@code gzipBody}, when present, is the same JSON gzip-compressed, as
 * stored. {@code cacheStatus} is the {@code Cache-Status} to send (RFC 9211, with the
 * seconds of freshness left on hits). When {@code notFound}, the body is the problem the
 * loader answered with, to be answered again as a 404.
 */
public record CachedResponse(ByteBuffer body, ByteBuffer gzipBody, String etag, CacheOutcome outcome, CacheScope scope,
		String cacheStatus, boolean notFound) {

	/**
	 * What the cache appends to the ETag of a gzip-compressed body: the same content in
	 * another coding.
	 */
	public static final String GZIP_ETAG_SUFFIX = HttpCaching.GZIP_ETAG_SUFFIX;

	/**
	 * The opaque strong ETag (without quotes) the cache gives {@code body}, for features
	 * whose own responses must carry the ETag a cached read of the same body carries.
	 */
	public static String etagOf(byte[] body) {
		return CacheEntry.etagOf(body);
	}

	public CachedResponse(ByteBuffer body, String etag, CacheOutcome outcome, CacheScope scope) {
		this(body, null, etag, outcome, scope);
	}

	public CachedResponse(ByteBuffer body, ByteBuffer gzipBody, String etag, CacheOutcome outcome, CacheScope scope) {
		this(body, gzipBody, etag, outcome, scope, outcome.cacheStatusHeader(), false);
	}

	/** The body for one response: a view that writing it cannot disturb. */
	public ByteBuffer bodyView() {
		return this.body.duplicate();
	}

	ByteBuffer gzipBodyView() {
		return (this.gzipBody != null) ? this.gzipBody.duplicate() : null;
	}

}
