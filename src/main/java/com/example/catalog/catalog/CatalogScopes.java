package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * What a cached page of the catalog depends on, named for the cache's invalidation: an
 * item's page on the item; a listing filtered by category on that category; a listing
 * without a category on {@link #LISTINGS}; favourites pages, which show items, on
 * {@link #FAVORITES} besides their principal. A change invalidates exactly the scopes it
 * touches, so a price change in one category leaves every other category's listings and
 * every other item's page cached.
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

	/**
	 * The scopes a change to one item touches: its page, the listings of the categories
	 * it left and joined, the listings without a category, and (unless it was just
	 * created, so that nobody can hold it) the favourites pages.
	 */
	public static Set<String> ofItem(long id, String previousCategory, String category, boolean created) {
		List<String> categories = new ArrayList<>(2);
		if (previousCategory != null) {
			categories.add(previousCategory);
		}
		if (category != null) {
			categories.add(category);
		}
		return ofItems(List.of(id), categories, created);
	}

	/**
	 * The scopes a change to some items touches (see {@link #ofItem}), given the ids and
	 * every category they had before or have after. The writer and the change feed both
	 * name a change's scopes here, so that they name the same ones and it is applied
	 * once.
	 */
	static Set<String> ofItems(Collection<Long> ids, Collection<String> categories, boolean created) {
		Set<String> scopes = new LinkedHashSet<>();
		ids.forEach((id) -> scopes.add(item(id)));
		categories.forEach((category) -> scopes.add(category(category)));
		scopes.add(LISTINGS);
		if (!created) {
			scopes.add(FAVORITES);
		}
		return scopes;
	}

}
