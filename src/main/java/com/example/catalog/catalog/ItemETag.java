package com.example.catalog.catalog;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The strong ETag of an item's JSON. It is computed the way the response cache computes
 * the ETag of every body it serves (a SHA-256 digest of the bytes), so that the ETag a
 * write answers with, the one a 412 names and the one {@code GET /catalog/items/{id}}
 * answers with are the same for the same version; {@code ItemETagIntegrationTest} holds
 * the two to that. As the item's version is part of its JSON, the ETag names the version.
 */
final class ItemETag {

	/**
	 * The suffix the cache gives the ETag of a gzip-compressed body: the same version in
	 * another content coding.
	 */
	private static final String GZIP_SUFFIX = "-gzip";

	private ItemETag() {
	}

	/** The opaque tag of this JSON, without quotes. */
	static String of(byte[] json) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(json);
			return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
		}
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
		return entityTag.equals('"' + tag + '"') || entityTag.equals('"' + tag + GZIP_SUFFIX + '"');
	}

}
