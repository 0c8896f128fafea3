package com.example.catalog.catalog;

/**
 * The catalog's routes, each spelled once: the controller maps them, the cache answers
 * the public reads under them, and the security configuration (another package) grants
 * access by them.
 */
public final class CatalogPaths {

	/** A keyset page of items. */
	public static final String PAGE = "/catalog";

	/** The collection items are created in; an item's own URL is below it. */
	public static final String ITEMS = "/catalog/items";

	/** One item, by id. */
	public static final String ITEM = ITEMS + "/{id}";

	private CatalogPaths() {
	}

	/** The URL of the item with the given id, as a Location header gives it. */
	static String item(long id) {
		return ITEMS + "/" + id;
	}

}
