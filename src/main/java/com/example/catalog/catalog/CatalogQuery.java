package com.example.catalog.catalog;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ScopedBody;
import com.example.catalog.system.Problems;
import com.example.catalog.system.QueryParameters;

/**
 * A validated, normalised {@code GET /catalog} query. Two requests that mean the same
 * query produce equal instances, and so one cache key.
 */
record CatalogQuery(String category, String nameContains, Long minPrice, Long maxPrice, ItemSort sort, int limit,
		PageCursor cursor) {

	static final int DEFAULT_LIMIT = 100;

	static final int MAX_LIMIT = 1000;

	static final long MAX_PRICE = ItemInput.MAX_PRICE_CENTS;

	private static final Set<String> PARAMETERS = new LinkedHashSet<>(
			List.of("category", "q", "minPrice", "maxPrice", "sort", "limit", "cursor"));

	static CatalogQuery parse(String rawQuery) {
		QueryParameters parameters = QueryParameters.parse(rawQuery, PARAMETERS);
		String category = parameters.get("category");
		if (category != null && category.length() > ItemInput.MAX_CATEGORY_LENGTH) {
			throw Problems.badParameter("category", "longer than " + ItemInput.MAX_CATEGORY_LENGTH + " characters");
		}
		String nameContains = parameters.get("q");
		if (nameContains != null && nameContains.length() > ItemInput.MAX_NAME_LENGTH) {
			throw Problems.badParameter("q", "longer than " + ItemInput.MAX_NAME_LENGTH + " characters");
		}
		Long minPrice = parameters.getLong("minPrice", 0, MAX_PRICE);
		Long maxPrice = parameters.getLong("maxPrice", 0, MAX_PRICE);
		if (minPrice != null && maxPrice != null && minPrice > maxPrice) {
			throw Problems.badParameter("minPrice", "must not exceed maxPrice");
		}
		ItemSort sort = ItemSort.fromParameter(parameters.get("sort"));
		Long limit = parameters.getLong("limit", 1, MAX_LIMIT);
		String cursor = parameters.get("cursor");
		return new CatalogQuery(category, nameContains, minPrice, maxPrice, sort,
				(limit != null) ? limit.intValue() : DEFAULT_LIMIT,
				(cursor != null) ? PageCursor.decode(cursor, sort) : null);
	}

	CacheKey cacheKey() {
		CacheKey.Builder key = CacheKey.forPublicRoute("catalog")
			.with("category", this.category)
			.with("q", this.nameContains)
			.with("minPrice", this.minPrice)
			.with("maxPrice", this.maxPrice)
			.with("sort", this.sort.parameter())
			.with("limit", this.limit)
			.with("cursor", (this.cursor != null) ? this.cursor.encode() : null);
		if (CatalogScopes.ranged(this)) {
			// Until a load names its ranges, taken to depend on every change, as a page
			// that is not full does.
			return key.dependsOn(CatalogScopes.RANGED_LISTINGS).dependsOnContent(CatalogScopes.LISTINGS).build();
		}
		return key.dependsOn((this.category != null) ? CatalogScopes.category(this.category) : CatalogScopes.LISTINGS)
			.build();
	}

	/** The page a load found, as the cache keeps it. */
	Object cached(ItemPage page) {
		return CatalogScopes.ranged(this) ? new ScopedBody(page, CatalogScopes.ofListing(this, page)) : page;
	}

}
