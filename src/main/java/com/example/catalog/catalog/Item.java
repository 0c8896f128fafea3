package com.example.catalog.catalog;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.r2dbc.spi.Readable;
import io.swagger.v3.oas.annotations.media.Schema;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/**
 * An item of the catalog, as clients see it. Its version is part of the representation,
 * so the representation's ETag (a digest of it) changes with every change of the item,
 * even one that restores earlier values.
 *
 * @param version 1 when created, one more after every change (the database counts it)
 */
@Schema(additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
public record Item(@Schema(requiredMode = REQUIRED, minimum = "1") long id, @Schema(requiredMode = REQUIRED) String sku,
		@Schema(requiredMode = REQUIRED) String name, @Schema(requiredMode = REQUIRED) String description,
		@Schema(requiredMode = REQUIRED) String category,
		@Schema(requiredMode = REQUIRED, minimum = "0") long priceCents,
		@Schema(requiredMode = REQUIRED) Instant createdAt,
		@Schema(requiredMode = REQUIRED, minimum = "1") long version) {

	/** The columns {@link #fromRow} reads, for a {@code SELECT} from {@code items}. */
	public static final String COLUMNS = "id, sku, name, description, category, price_cents, created_at, version";

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
				row.get("price_cents", Long.class), row.get("created_at", OffsetDateTime.class).toInstant(),
				row.get("version", Long.class));
	}

}
