package com.example.catalog.cache;

/**
 * Names of the generation counters. The braces are a Redis Cluster hash tag: every
 * counter lives in the same slot, so one {@code MGET} reads all the counters an entry
 * depends on.
 */
final class GenerationKeys {

	private GenerationKeys() {
	}

	static String items(String prefix) {
		return prefix + ":gen:{" + prefix + "}:items";
	}

	static String principal(String prefix, String principalDigest) {
		return prefix + ":gen:{" + prefix + "}:principal:" + principalDigest;
	}

}
