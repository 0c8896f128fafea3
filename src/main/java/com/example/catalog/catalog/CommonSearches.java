package com.example.catalog.catalog;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Searches that recently found their substring in at least
 * {@link PageStatements#RARE_MATCHES} names among the rows their other filters keep
 * (category and price window), so that the next search for it with the same filters, in
 * any sort, page or size, skips the count of its matches in the trigram index and starts
 * with the bounded scan: for a word in a tenth of a million names that count alone reads
 * posting lists of 100,000 entries (12–25 ms), and popular words are what searches
 * repeat, with other sorts and pages.
 * <p>
 * The filters are part of what is remembered because a word common in the catalog can be
 * rare within a category or a price window, where the count is the quick way (a few
 * hundred matches sorted) and the scan the slow one: a scan in name order for the rows of
 * a 1 % price window reads a hundred rows for each one it keeps (1.6–2.0 s at a million
 * items when a word common in the whole catalog was taken as common there too). What is
 * remembered only orders {@link ItemPages}' steps: each gives the exact page whichever
 * runs first, so a memory gone stale (the catalog changed) costs time, never a wrong
 * page. Bounded in number, since anyone can send any {@code q}, and forgotten after a
 * while, since catalogs change.
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

	boolean isCommon(CatalogQuery search) {
		return this.common.getIfPresent(key(search)) != null;
	}

	void foundCommon(CatalogQuery search) {
		this.common.put(key(search), Boolean.TRUE);
	}

	private static String key(CatalogQuery search) {
		return search.nameContains().toLowerCase(Locale.ROOT) + '\0' + Objects.toString(search.category(), "") + '\0'
				+ Objects.toString(search.minPrice(), "") + '\0' + Objects.toString(search.maxPrice(), "");
	}

}
