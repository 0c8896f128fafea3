package com.example.catalog.cache;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Entries this instance has seen, by value key and stamp, weighed in bytes. A write
 * changes the stamp requests look up, so an entry here is never served after a write that
 * invalidated it, and nothing here needs removing when one does.
 */
final class NearCache {

	private final Cache<String, NearEntry> entries;

	NearCache(long maxBytes, Duration keepFor) {
		this.entries = Caffeine.newBuilder()
			.maximumWeight(maxBytes)
			.weigher((String entryKey, NearEntry near) -> near.weight())
			.expireAfterWrite(keepFor)
			.build();
	}

	/**
	 * Names an entry here, in flights and in refreshes: its value key and the stamp it
	 * was loaded under, so that a write makes it unreachable at once.
	 */
	static String entryKey(String valueKey, String stamp) {
		return valueKey + '|' + stamp;
	}

	void put(String entryKey, NearEntry near) {
		this.entries.put(entryKey, near);
	}

	/**
	 * This instance's copy of the entry, if it holds one that is fresh at {@code now}.
	 */
	NearEntry heldFresh(String entryKey, long now) {
		NearEntry near = this.entries.getIfPresent(entryKey);
		return (near != null && near.freshAt(now)) ? near : null;
	}

}
