package com.example.catalog;

/**
 * {@code Cache-Status} as the tests compare it: without the {@code ttl} of hits, whose
 * seconds depend on when the test ran. Tests of the {@code ttl} itself read the header as
 * sent.
 */
public final class CacheStatusHeader {

	private CacheStatusHeader() {
	}

	/**
	 * The header without its {@code ttl} and {@code key} parameters, which change with
	 * the clock and the entry: what a test compares.
	 */
	public static String withoutTtlAndKey(String cacheStatus) {
		return (cacheStatus != null) ? cacheStatus.replaceAll("; ttl=-?\\d+", "").replaceAll("; key=\"[^\"]*\"", "")
				: null;
	}

}
