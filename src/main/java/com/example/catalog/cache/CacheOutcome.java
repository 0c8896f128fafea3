package com.example.catalog.cache;

/**
 * How a cacheable response was produced, in the terms of RFC 9211's {@code Cache-Status}.
 */
public enum CacheOutcome {

	HIT("hit", "hit"),

	/** Loaded by this request and stored. */
	MISS_STORED("fwd=miss; stored", "miss"),

	/** Loaded by this request, not stored (too large, or the store failed). */
	MISS_NOT_STORED("fwd=miss", "miss"),

	/** Waited for a load another request had started. */
	MISS_COLLAPSED("fwd=miss; collapsed", "miss"),

	/** The database failed; a copy past its TTL but within stale-if-error was served. */
	STALE("fwd=stale; detail=stale", "stale"),

	BYPASS_DISABLED("fwd=bypass; detail=disabled", "bypass"),

	BYPASS_UNAVAILABLE("fwd=bypass; detail=unavailable", "bypass");

	private final String metricResult;

	private final String cacheStatusHeader;

	CacheOutcome(String cacheStatus, String metricResult) {
		this.metricResult = metricResult;
		this.cacheStatusHeader = "catalog; " + cacheStatus;
	}

	public String cacheStatusHeader() {
		return this.cacheStatusHeader;
	}

	/**
	 * The header of a response served from or stored in the cache, with RFC 9211's
	 * {@code ttl} on hits (the seconds of freshness left; negative when the entry is
	 * stale) and its {@code key}: the entry's name in Redis, which names a principal only
	 * by its digest.
	 */
	String cacheStatusHeader(long freshnessLeftSeconds, String entryKey) {
		String key = "; key=\"" + entryKey + "\"";
		return (this == HIT || this == STALE) ? this.cacheStatusHeader + "; ttl=" + freshnessLeftSeconds + key
				: this.cacheStatusHeader + key;
	}

	String metricResult() {
		return this.metricResult;
	}

}
