package com.example.catalog.cache;

import java.nio.ByteBuffer;

/**
 * An entry as this instance keeps it in memory: the stored (gzip) form and the JSON, so
 * that a hit costs no Redis transfer and no decompression. Both bodies live in direct
 * memory, where the network layer writes them from without copying.
 */
record NearEntry(CacheEntry entry, ByteBuffer plain, boolean compressed) {

	static NearEntry of(CacheEntry entry) {
		ByteBuffer stored = entry.body();
		byte[] plain = (stored.hasArray())
				? Gzip.decompress(stored.array(), stored.arrayOffset() + stored.position(), stored.remaining())
				: Gzip.decompress(copy(stored), 0, stored.remaining());
		return of(entry, plain);
	}

	/** For a compressed entry whose JSON is at hand. */
	static NearEntry of(CacheEntry entry, byte[] plain) {
		return new NearEntry(entry.withBody(direct(entry.body())), direct(ByteBuffer.wrap(plain)), true);
	}

	/** For JSON that is answered but not stored. */
	static NearEntry uncompressed(String stamp, byte[] json) {
		return new NearEntry(CacheEntry.of(stamp, 0, 0, json), ByteBuffer.wrap(json), false);
	}

	ByteBuffer gzipOrNull() {
		return this.compressed ? this.entry.body() : null;
	}

	int weight() {
		return (this.compressed ? this.entry.bodyLength() : 0) + this.plain.remaining();
	}

	boolean freshAt(long millis) {
		return this.entry.freshUntilMillis() > millis;
	}

	private static ByteBuffer direct(ByteBuffer buffer) {
		return ByteBuffer.allocateDirect(buffer.remaining()).put(buffer.duplicate()).flip().asReadOnlyBuffer();
	}

	private static byte[] copy(ByteBuffer buffer) {
		byte[] bytes = new byte[buffer.remaining()];
		buffer.duplicate().get(bytes);
		return bytes;
	}

}
