package com.example.catalog.catalog;

import java.time.Instant;

/**
 * An item of the catalog, as clients see it.
 */
public record Item(long id, String sku, String name, String description, String category, long priceCents,
		Instant createdAt) {

}
