package com.example.catalog.catalog;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Substrings that a search recently found in at least {@link PageStatements#RARE_MATCHES}
 * names, so that the next search for one skips the count of its matches in the trigram
 * index and starts with the bounded scan: for a word in a tenth of a million names that
 * count alone reads posting lists of 100,000 entries (12–25 ms), and popular words are
 * what searches repeat, with other filters, sorts and pages.
 * <p>
 * What is remembered only orders {@link ItemPages}' steps: each gives the exact page
 * whichever runs first, so a memory gone stale (the catalog changed, or the substring is
 * rare among a search's other filters) costs a bounded scan, never a wrong page. Bounded
 * in number, since anyone can send any {@code q}, and forgotten after a while, since
 * catalogs change.
 */
final class CommonSearches {

	static final Duration REMEMBERED_FOR = Duration.ofMinutes(10);

	private static final int MAX_REMEMBERED = 10_000;

	private final Cache<String, Boolean> common;

	CommonSearches() {
		this(System::nanoTime);
	}

	CommonSearches(LongSupplier nanoTime) {
		this.common = Caffeine.newBuilder()
			.maximumSize(MAX_REMEMBERED)
			.expireAfterWrite(REMEMBERED_FOR.toNanos(), TimeUnit.NANOSECONDS)
			.ticker(nanoTime::getAsLong)
			.executor(Runnable::run)
			.build();
	}

	boolean isCommon(String nameContains) {
		return this.common.getIfPresent(key(nameContains)) != null;
	}

	void foundCommon(String nameContains) {
		this.common.put(key(nameContains), Boolean.TRUE);
	}

	private static String key(String nameContains) {
		return nameContains.toLowerCase(Locale.ROOT);
	}

}
