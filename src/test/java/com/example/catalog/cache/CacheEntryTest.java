package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CacheEntryTest {

	@Test
	void encodeThenDecodeKeepsStampTimesEtagAndBody() {
		byte[] body = "{\"items\":[{\"id\":1,\"name\":\"caf\u00e9\"}]}".getBytes(StandardCharsets.UTF_8);
		CacheEntry entry = CacheEntry.of("1712345678000123.42", 1_700_000_000_000L, 1_700_000_300_000L, body);

		CacheEntry decoded = CacheEntry.decode(entry.encode());

		assertThat(decoded.stamp()).isEqualTo("1712345678000123.42");
		assertThat(decoded.storedAtMillis()).isEqualTo(1_700_000_000_000L);
		assertThat(decoded.freshUntilMillis()).isEqualTo(1_700_000_300_000L);
		assertThat(decoded.etag()).isEqualTo(entry.etag()).isEqualTo(CacheEntry.etagOf(body));
		assertThat(decoded.bodyLength()).isEqualTo(body.length);
		assertThat(bytes(decoded.body())).isEqualTo(body);
		assertThat(decoded).isEqualTo(entry);
	}

	@Test
	void roundTripOfAnEmptyBodyAndEmptyStamp() {
		CacheEntry entry = CacheEntry.of("", 0, 0, new byte[0]);
		CacheEntry decoded = CacheEntry.decode(entry.encode());
		assertThat(decoded.stamp()).isEmpty();
		assertThat(decoded.bodyLength()).isZero();
		assertThat(decoded.etag()).isEqualTo(entry.etag());
	}

	@Test
	void encodingDoesNotConsumeTheBody() {
		CacheEntry entry = CacheEntry.of("1", 1, 2, new byte[] { 1, 2, 3 });
		byte[] first = entry.encode();
		byte[] second = entry.encode();
		assertThat(second).isEqualTo(first);
		assertThat(entry.bodyLength()).isEqualTo(3);
	}

	@Test
	void decodeOfGarbageThrowsIllegalArgumentException() {
		assertThatIllegalArgumentException().isThrownBy(() -> CacheEntry.decode(new byte[0]));
		assertThatIllegalArgumentException().isThrownBy(() -> CacheEntry.decode(new byte[] { 1 }));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> CacheEntry.decode("not an entry".getBytes(StandardCharsets.US_ASCII)));
		byte[] valid = CacheEntry.of("stamp", 1, 2, new byte[] { 42 }).encode();
		byte[] unknownFormat = valid.clone();
		unknownFormat[0] = 99;
		assertThatIllegalArgumentException().isThrownBy(() -> CacheEntry.decode(unknownFormat));
		// Truncated in the header: the stamp length claims more bytes than there are.
		assertThatIllegalArgumentException().isThrownBy(() -> CacheEntry.decode(Arrays.copyOf(valid, 20)));
		byte[] negativeStampLength = valid.clone();
		negativeStampLength[17] = (byte) 0xFF;
		assertThatIllegalArgumentException().isThrownBy(() -> CacheEntry.decode(negativeStampLength));
	}

	@Test
	void decodeOfRandomBytesNeverThrowsAnythingButIllegalArgumentException() {
		Random random = new Random(42);
		for (int i = 0; i < 10_000; i++) {
			byte[] bytes = new byte[random.nextInt(64)];
			random.nextBytes(bytes);
			if (bytes.length > 0 && random.nextBoolean()) {
				bytes[0] = 1;
			}
			try {
				CacheEntry.decode(bytes);
			}
			catch (IllegalArgumentException ex) {
				// expected for most inputs
			}
		}
	}

	@Test
	void etagIsStableForEqualBodiesAndDiffersForDifferentBodies() {
		String a1 = CacheEntry.etagOf("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
		String a2 = CacheEntry.etagOf("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
		String b = CacheEntry.etagOf("{\"a\":2}".getBytes(StandardCharsets.UTF_8));
		assertThat(a1).isEqualTo(a2).isNotEqualTo(b);
		assertThat(CacheEntry.of("x", 1, 2, "{\"a\":1}".getBytes(StandardCharsets.UTF_8)).etag()).isEqualTo(a1);
	}

	@Test
	void etagIsSafeInsideAQuotedHeaderValue() {
		String etag = CacheEntry.etagOf(new byte[] { -1, -2, -3 });
		assertThat(etag).hasSize(22).matches("[A-Za-z0-9_-]+");
	}

	private static byte[] bytes(ByteBuffer buffer) {
		ByteBuffer view = buffer.duplicate();
		byte[] bytes = new byte[view.remaining()];
		view.get(bytes);
		return bytes;
	}

}
