package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A stored response as it lives in Redis: a small binary header (format version, the
 * generation stamp it was loaded under, when it was stored, until when it is fresh, its
 * ETag) followed by the response body exactly as it is written to clients. An entry may
 * also record that the loader found nothing ({@code notFound}): its body is then the
 * problem the loader answered with, and its own format byte keeps it from ever being read
 * as a page.
 */
record CacheEntry(String stamp, long storedAtMillis, long freshUntilMillis, String etag, ByteBuffer body,
		boolean notFound) {

	private static final byte FORMAT = 2;

	private static final byte NOT_FOUND_FORMAT = 3;

	static CacheEntry of(String stamp, long storedAtMillis, long freshUntilMillis, byte[] body) {
		return new CacheEntry(stamp, storedAtMillis, freshUntilMillis, etagOf(body), ByteBuffer.wrap(body), false);
	}

	/**
	 * An entry whose stored body is the gzip form of {@code json}; the ETag is the
	 * JSON's.
	 */
	static CacheEntry compressed(String stamp, long storedAtMillis, long freshUntilMillis, byte[] json) {
		return compressed(stamp, storedAtMillis, freshUntilMillis, json, false);
	}

	static CacheEntry compressed(String stamp, long storedAtMillis, long freshUntilMillis, byte[] json,
			boolean notFound) {
		return new CacheEntry(stamp, storedAtMillis, freshUntilMillis, etagOf(json),
				ByteBuffer.wrap(Gzip.compress(json)), notFound);
	}

	static String etagOf(byte[] body) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
			return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
		}
	}

	CacheEntry withBody(ByteBuffer otherBody) {
		return new CacheEntry(this.stamp, this.storedAtMillis, this.freshUntilMillis, this.etag, otherBody,
				this.notFound);
	}

	int bodyLength() {
		return this.body.remaining();
	}

	byte[] encode() {
		byte[] stampBytes = this.stamp.getBytes(StandardCharsets.US_ASCII);
		byte[] etagBytes = this.etag.getBytes(StandardCharsets.US_ASCII);
		ByteBuffer out = ByteBuffer.allocate(1 + 8 + 8 + 2 + stampBytes.length + 1 + etagBytes.length + bodyLength());
		out.put(this.notFound ? NOT_FOUND_FORMAT : FORMAT)
			.putLong(this.storedAtMillis)
			.putLong(this.freshUntilMillis)
			.putShort((short) stampBytes.length)
			.put(stampBytes)
			.put((byte) etagBytes.length)
			.put(etagBytes)
			.put(this.body.duplicate());
		return out.array();
	}

	/**
	 * Reads an entry without copying its body.
	 * @throws IllegalArgumentException when the bytes are not an entry of this format,
	 * which the cache treats as a miss
	 */
	static CacheEntry decode(byte[] bytes) {
		try {
			ByteBuffer in = ByteBuffer.wrap(bytes);
			byte format = in.get();
			if (format != FORMAT && format != NOT_FOUND_FORMAT) {
				throw new IllegalArgumentException("Unknown cache entry format");
			}
			long storedAt = in.getLong();
			long freshUntil = in.getLong();
			String stamp = ascii(in, in.getShort());
			String etag = ascii(in, in.get());
			return new CacheEntry(stamp, storedAt, freshUntil, etag, in.slice(), format == NOT_FOUND_FORMAT);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("Malformed cache entry", ex);
		}
	}

	private static String ascii(ByteBuffer in, int length) {
		if (length < 0 || length > in.remaining()) {
			throw new IllegalArgumentException("Malformed cache entry");
		}
		byte[] bytes = new byte[length];
		in.get(bytes);
		return new String(bytes, StandardCharsets.US_ASCII);
	}

}
