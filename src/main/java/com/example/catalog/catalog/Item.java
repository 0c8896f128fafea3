package com.example.catalog.catalog;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.r2dbc.spi.Readable;

/**
 * An item of the catalog, as clients see it.
 */
public record Item(long id, String sku, String name, String description, String category, long priceCents,
		Instant createdAt) {

	/** The columns {@link #fromRow} reads, for a {@code SELECT} from {@code items}. */
	public static final String COLUMNS = "id, sku, name, description, category, price_cents, created_at";

	/** {@link #COLUMNS} qualified with a table alias, for a query that joins. */
	public static String qualifiedColumns(String alias) {
		StringBuilder columns = new StringBuilder();
		for (String column : COLUMNS.split(",\\s*")) {
			columns.append((columns.length() > 0) ? ", " : "").append(alias).append('.').append(column);
		}
		return columns.toString();
	}

	public static Item fromRow(Readable row) {
		return new Item(row.get("id", Long.class), row.get("sku", String.class), row.get("name", String.class),
				row.get("description", String.class), row.get("category", String.class),
				row.get("price_cents", Long.class), row.get("created_at", OffsetDateTime.class).toInstant());
	}

}
