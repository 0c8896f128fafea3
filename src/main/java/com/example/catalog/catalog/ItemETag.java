package com.example.catalog.catalog;

import com.example.catalog.cache.CachedResponse;

/**
 * The strong ETag of an item's JSON. It is the response cache's ETag of the same bytes,
 * so that the ETag a write answers with, the one a 412 names and the one {@code GET
 * /catalog/items/{id}} answers with are the same for the same version;
 * {@code ConditionalWritesIntegrationTest} holds them to that. As the item's version is
 * part of its JSON, the ETag names the version.
 */
final class ItemETag {

	private ItemETag() {
	}

	/** The opaque tag of this JSON, without quotes. */
	static String of(byte[] json) {
		return CachedResponse.etagOf(json);
	}

	/** The entity tag of this JSON as the {@code ETag} header gives it. */
	static String header(byte[] json) {
		return '"' + of(json) + '"';
	}

	/**
	 * Whether an entity tag of a request (quoted, as sent) names the representation whose
	 * opaque tag is {@code tag}, in either content coding, by strong comparison.
	 */
	static boolean names(String entityTag, String tag) {
		return entityTag.equals('"' + tag + '"') || entityTag.equals('"' + tag + CachedResponse.GZIP_ETAG_SUFFIX + '"');
	}

}
