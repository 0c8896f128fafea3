package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import com.github.benmanes.caffeine.cache.Cache;
import org.junit.jupiter.api.Test;

import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The near cache: an entry is found only under the value key and stamp it was put under,
 * only while it is fresh, only for as long as it is kept, and the whole is bounded by a
 * budget of bytes that counts both bodies of an entry.
 */
class NearCacheTest {

	private static final Duration KEEP_FOR = Duration.ofHours(1);

	private static final String VALUE_KEY = "test:resp:catalog:abc";

	private static final long NOW = 1_000_000L;

	private static final long FRESH_UNTIL = NOW + 60_000L;

	private final NearCache near = new NearCache(1024 * 1024, KEEP_FOR);

	/** An uncompressed entry fresh until {@code freshUntil}, weighing {@code bytes}. */
	private static NearEntry entry(String stamp, int bytes, long freshUntil) {
		byte[] json = json(bytes);
		return new NearEntry(CacheEntry.of(stamp, NOW, freshUntil, json), ByteBuffer.wrap(json), false);
	}

	private static byte[] json(int bytes) {
		byte[] json = new byte[bytes];
		Arrays.fill(json, (byte) 'x');
		return json;
	}

	/**
	 * Runs the cache's pending maintenance (eviction by weight) now rather than on its
	 * executor, so that what it evicts can be asserted without waiting.
	 */
	private static void maintain(NearCache near) {
		((Cache<?, ?>) ReflectionTestUtils.getField(near, "entries")).cleanUp();
	}

	@Test
	void aHeldEntryIsReturnedWhileItIsFresh() {
		NearEntry entry = entry("7", 10, FRESH_UNTIL);
		this.near.put(VALUE_KEY, entry);
		assertThat(this.near.heldFresh(VALUE_KEY, "7", NOW)).isSameAs(entry);
		assertThat(this.near.heldFresh(VALUE_KEY, "7", FRESH_UNTIL - 1)).isSameAs(entry);
	}

	@Test
	void aHeldEntryIsNotReturnedOnceItsFreshnessHasPassed() {
		this.near.put(VALUE_KEY, entry("7", 10, FRESH_UNTIL));
		assertThat(this.near.heldFresh(VALUE_KEY, "7", FRESH_UNTIL)).isNull();
		assertThat(this.near.heldFresh(VALUE_KEY, "7", FRESH_UNTIL + 1)).isNull();
	}

	@Test
	void nothingIsReturnedForAnEntryNeverPut() {
		assertThat(this.near.heldFresh(VALUE_KEY, "7", NOW)).isNull();
	}

	@Test
	void anEntryIsFoundOnlyUnderTheStampItWasLoadedUnder() {
		NearEntry loaded = entry("7", 10, FRESH_UNTIL);
		this.near.put(VALUE_KEY, loaded);
		assertThat(this.near.heldFresh(VALUE_KEY, "8", NOW))
			.as("a write changed the stamp: the entry is unreachable at once")
			.isNull();
		assertThat(this.near.heldFresh(VALUE_KEY + ":other", "7", NOW)).isNull();
		assertThat(this.near.heldFresh(VALUE_KEY, "7", NOW)).isSameAs(loaded);
	}

	@Test
	void theEntryKeyTellsValueKeysAndStampsApart() {
		assertThat(NearCache.entryKey(VALUE_KEY, "7")).isEqualTo(NearCache.entryKey(VALUE_KEY, "7"))
			.isNotEqualTo(NearCache.entryKey(VALUE_KEY, "8"))
			.isNotEqualTo(NearCache.entryKey(VALUE_KEY + ":other", "7"))
			.contains(VALUE_KEY)
			.contains("7");
	}

	@Test
	void aLaterPutOfTheSameKeyReplacesTheEntry() {
		this.near.put(VALUE_KEY, entry("7", 10, FRESH_UNTIL));
		NearEntry refreshed = entry("7", 12, FRESH_UNTIL + 60_000L);
		this.near.put(VALUE_KEY, refreshed);
		assertThat(this.near.heldFresh(VALUE_KEY, "7", FRESH_UNTIL)).isSameAs(refreshed);
	}

	@Test
	void anEntryLoadedUnderANewStampReplacesTheOldOne() {
		this.near.put(VALUE_KEY, entry("7", 10, FRESH_UNTIL));
		NearEntry afterAWrite = entry("8", 10, FRESH_UNTIL);
		this.near.put(VALUE_KEY, afterAWrite);
		assertThat(this.near.heldFresh(VALUE_KEY, "7", NOW)).isNull();
		assertThat(this.near.heldFresh(VALUE_KEY, "8", NOW)).isSameAs(afterAWrite);
	}

	@Test
	void itTellsWhetherItHoldsAnEntryOfAKeyUnderAnyStamp() {
		assertThat(this.near.holdsAny(VALUE_KEY)).isFalse();
		this.near.put(VALUE_KEY, entry("7", 10, FRESH_UNTIL));
		assertThat(this.near.holdsAny(VALUE_KEY)).isTrue();
		assertThat(this.near.holdsAny(VALUE_KEY + ":other")).isFalse();
	}

	@Test
	void anEntryIsHeldNoLongerThanItIsKept() {
		NearCache keptForNoTime = new NearCache(1024 * 1024, Duration.ZERO);
		keptForNoTime.put(VALUE_KEY, entry("7", 10, FRESH_UNTIL));
		assertThat(keptForNoTime.heldFresh(VALUE_KEY, "7", NOW)).isNull();
	}

	@Test
	void entriesBeyondTheByteBudgetAreEvicted() {
		NearCache small = new NearCache(100, KEEP_FOR);
		for (int i = 1; i <= 3; i++) {
			small.put(VALUE_KEY + i, entry("7", 40, FRESH_UNTIL));
		}
		maintain(small);
		assertThat(held(small, 3)).as("three entries of 40 bytes under a budget of 100").isEqualTo(2);
	}

	@Test
	void entriesWithinTheByteBudgetAreAllKept() {
		NearCache small = new NearCache(400, KEEP_FOR);
		for (int i = 1; i <= 10; i++) {
			small.put(VALUE_KEY + i, entry("7", 40, FRESH_UNTIL));
		}
		maintain(small);
		assertThat(held(small, 10)).isEqualTo(10);
	}

	@Test
	void anEntryHeavierThanTheWholeBudgetIsNotKept() {
		NearCache small = new NearCache(100, KEEP_FOR);
		small.put(VALUE_KEY, entry("7", 101, FRESH_UNTIL));
		maintain(small);
		assertThat(small.heldFresh(VALUE_KEY, "7", NOW)).isNull();
	}

	@Test
	void aCompressedEntryWeighsItsGzipAndItsJsonTogether() {
		byte[] json = "{\"items\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}"
			.getBytes(StandardCharsets.US_ASCII);
		NearEntry compressed = NearEntry.of(CacheEntry.compressed("7", NOW, FRESH_UNTIL, json), json);
		int both = compressed.entry().bodyLength() + json.length;
		assertThat(compressed.entry().bodyLength()).isPositive();

		NearCache justEnough = new NearCache(both, KEEP_FOR);
		justEnough.put(VALUE_KEY, compressed);
		maintain(justEnough);
		assertThat(justEnough.heldFresh(VALUE_KEY, "7", NOW)).isSameAs(compressed);

		NearCache oneByteShort = new NearCache(both - 1, KEEP_FOR);
		oneByteShort.put(VALUE_KEY, compressed);
		maintain(oneByteShort);
		assertThat(oneByteShort.heldFresh(VALUE_KEY, "7", NOW)).isNull();
	}

	private static int held(NearCache near, int keys) {
		int held = 0;
		for (int i = 1; i <= keys; i++) {
			if (near.heldFresh(VALUE_KEY + i, "7", NOW) != null) {
				held++;
			}
		}
		return held;
	}

}
