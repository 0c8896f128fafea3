package com.example.catalog.cache;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Entries this instance has seen, the latest one per value key, weighed in bytes. A
 * request finds an entry here only under the stamp it read, and a write changes the stamp
 * requests look up, so an entry here is never served after a write that invalidated it;
 * nothing here needs removing when one does (the next entry of its key replaces it).
 */
final class NearCache {

	private final Cache<String, NearEntry> entries;

	NearCache(long maxBytes, Duration keepFor) {
		this.entries = Caffeine.newBuilder()
			.maximumWeight(maxBytes)
			.weigher((String valueKey, NearEntry near) -> near.weight())
			.expireAfterWrite(keepFor)
			.build();
	}

	/**
	 * Names an entry in flights and in refreshes: its value key and the stamp it is
	 * loaded under, so that a write starts new ones.
	 */
	static String entryKey(String valueKey, String stamp) {
		return valueKey + '|' + stamp;
	}

	void put(String valueKey, NearEntry near) {
		this.entries.put(valueKey, near);
	}

	/**
	 * This instance's copy of the entry of {@code valueKey} under {@code stamp}, if it
	 * holds one that is fresh at {@code now}.
	 */
	NearEntry heldFresh(String valueKey, String stamp, long now) {
		NearEntry near = this.entries.getIfPresent(valueKey);
		return (near != null && near.entry().stamp().equals(stamp) && near.freshAt(now)) ? near : null;
	}

	/** Whether this instance holds an entry of {@code valueKey}, under any stamp. */
	boolean holdsAny(String valueKey) {
		return this.entries.getIfPresent(valueKey) != null;
	}

}
