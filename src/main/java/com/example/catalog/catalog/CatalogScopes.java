package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.zip.CRC32;

/**
 * What a cached page of the catalog depends on, named for the cache's invalidation: an
 * item's page on the item; a listing filtered by category on that category; a listing
 * without a category on {@link #LISTINGS}, unless it is one of the {@link #ofListing
 * ranged} listings, which depend on the ranges of ids or prices their page covers;
 * favourites pages, which show items, on {@link #FAVORITES} besides their principal. A
 * change invalidates exactly the scopes it touches, so a price change in one category
 * leaves every other category's listings, every other item's page and the listings of
 * other price ranges cached.
 */
public final class CatalogScopes {

	/** Listings without a category filter: any item change can change them. */
	public static final String LISTINGS = "listings";

	/**
	 * Every principal's favourites page. Coarser than "the favourites that hold the
	 * item", which a request cannot know before it loads; favourites pages are
	 * per-principal and far fewer hits than the public pages.
	 */
	public static final String FAVORITES = "favorites";

	/**
	 * Listings without a category that depend on the ranges their page covers (see
	 * {@link #ofListing}); no item change touches it, a purge of the listings does.
	 */
	public static final String RANGED_LISTINGS = "listings:ranged";

	/** How many ids, or cents, one range counter covers. */
	static final int RANGE_WIDTH = 128;

	/**
	 * The most ranges a page depends on; a page that spans more depends on
	 * {@link #LISTINGS} instead.
	 */
	static final int MAX_RANGES = 16;

	private CatalogScopes() {
	}

	/** How many counters items, and categories, are spread over. */
	static final int BUCKETS = 4096;

	public static String item(long id) {
		return "items:" + Math.floorMod(id, BUCKETS);
	}

	/**
	 * The same on every instance: a CRC-32 of the name, which (unlike
	 * {@link String#hashCode()}) spreads names that differ in one character.
	 */
	public static String category(String category) {
		CRC32 crc = new CRC32();
		crc.update(category.getBytes(StandardCharsets.UTF_8));
		return "category:" + (crc.getValue() % BUCKETS);
	}

	static String idRange(long id) {
		return "ids:" + Math.floorDiv(id, RANGE_WIDTH);
	}

	static String priceRange(long priceCents) {
		return "prices:" + Math.floorDiv(priceCents, RANGE_WIDTH);
	}

	/**
	 * The scopes a change to one item touches: its page, the listings of the categories
	 * it left and joined, the listings without a category, the ranges of its id and of
	 * the prices it had and has, and (unless it was just created, so that nobody can hold
	 * it) the favourites pages.
	 */
	public static Set<String> ofItem(long id, String previousCategory, String category, long previousPriceCents,
			long priceCents, boolean created) {
		List<String> categories = new ArrayList<>(2);
		if (previousCategory != null) {
			categories.add(previousCategory);
		}
		if (category != null) {
			categories.add(category);
		}
		return ofItems(List.of(id), categories, List.of(previousPriceCents, priceCents), created);
	}

	/**
	 * The scopes a change to some items touches (see {@link #ofItem}), given the ids and
	 * every category and price they had before or have after. The writer and the change
	 * feed both name a change's scopes here, so that they name the same ones and it is
	 * applied once.
	 */
	static Set<String> ofItems(Collection<Long> ids, Collection<String> categories, Collection<Long> prices,
			boolean created) {
		Set<String> scopes = new LinkedHashSet<>();
		ids.forEach((id) -> scopes.add(item(id)));
		categories.forEach((category) -> scopes.add(category(category)));
		scopes.add(LISTINGS);
		ids.forEach((id) -> scopes.add(idRange(id)));
		prices.forEach((price) -> scopes.add(priceRange(price)));
		if (!created) {
			scopes.add(FAVORITES);
		}
		return scopes;
	}

	/**
	 * Whether a listing depends on the ranges its page covers rather than on every
	 * change: one without a category or {@code q}, in an order by id or price that has a
	 * bound on the side a new item could enter from (a descending order by price needs a
	 * cursor or {@code maxPrice}).
	 */
	static boolean ranged(CatalogQuery query) {
		return query.category() == null && query.nameContains() == null && switch (query.sort()) {
			case ID, PRICE -> true;
			case PRICE_DESC -> query.cursor() != null || query.maxPrice() != null;
			default -> false;
		};
	}

	/**
	 * What a page of a {@link #ranged} listing depends on. A full page (one with a next
	 * cursor) shows the first items of its filter from its start (the cursor, or the
	 * price bound) to its last item; a change can change it only if the item's key was or
	 * is within that span: otherwise the item neither was on it nor can join it. So the
	 * page depends on the ranges that span touches, which every change of an item with
	 * its id, or its old or new price, there bumps. A page that is not full could be
	 * joined by any item past its end: it depends on {@link #LISTINGS}.
	 */
	static Set<String> ofListing(CatalogQuery query, ItemPage page) {
		if (page.nextCursor() == null || page.items().isEmpty()) {
			return Set.of(LISTINGS);
		}
		Item last = page.items().get(page.items().size() - 1);
		PageCursor cursor = query.cursor();
		return switch (query.sort()) {
			case ID -> ranges((cursor != null) ? cursor.id() : 0, last.id(), CatalogScopes::idRange);
			case PRICE -> ranges(
					(cursor != null) ? Long.parseLong(cursor.key()) : (query.minPrice() != null) ? query.minPrice() : 0,
					last.priceCents(), CatalogScopes::priceRange);
			case PRICE_DESC -> ranges(last.priceCents(),
					(cursor != null) ? Long.parseLong(cursor.key()) : query.maxPrice(), CatalogScopes::priceRange);
			default -> Set.of(LISTINGS);
		};
	}

	private static Set<String> ranges(long from, long to, LongFunction<String> range) {
		long first = Math.floorDiv(Math.min(from, to), RANGE_WIDTH);
		long last = Math.floorDiv(Math.max(from, to), RANGE_WIDTH);
		if (last - first >= MAX_RANGES) {
			return Set.of(LISTINGS);
		}
		Set<String> scopes = new LinkedHashSet<>();
		for (long bucket = first; bucket <= last; bucket++) {
			scopes.add(range.apply(bucket * RANGE_WIDTH));
		}
		return scopes;
	}

}
