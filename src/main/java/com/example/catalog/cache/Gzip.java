package com.example.catalog.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Bodies are kept gzip-compressed in Redis: a JSON listing shrinks to a fraction, which
 * saves Redis memory and network, and clients that accept gzip get the stored bytes as
 * they are. In-memory streams only: nothing here touches a file or a socket.
 */
final class Gzip {

	private Gzip() {
	}

	static byte[] compress(byte[] plain) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, plain.length / 4));
		try (GZIPOutputStream gzip = new GZIPOutputStream(out, 8192)) {
			gzip.write(plain);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return out.toByteArray();
	}

	/**
	 * @throws IllegalArgumentException when the bytes are not gzip, which the cache
	 * treats as an unreadable entry
	 */
	static byte[] decompress(byte[] compressed, int offset, int length) {
		try (GZIPInputStream gzip = new GZIPInputStream(new ByteArrayInputStream(compressed, offset, length), 8192)) {
			return gzip.readAllBytes();
		}
		catch (IOException ex) {
			throw new IllegalArgumentException("Not a gzip body", ex);
		}
	}

}
