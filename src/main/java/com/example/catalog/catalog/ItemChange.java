package com.example.catalog.catalog;

import io.r2dbc.spi.Readable;

/**
 * A committed change to an item: the item as it is now (or was, when deleted), the
 * category and price it had before, and the database transaction that made the change,
 * which is how the change feed reports it too.
 */
public record ItemChange(Item item, String previousCategory, long previousPriceCents, String changeId) {

	/**
	 * The column, for a {@code RETURNING} clause, that names the change's transaction.
	 */
	public static final String CHANGE_ID_COLUMN = "pg_current_xact_id()::text AS change_id";

	/**
	 * The columns, for the {@code RETURNING} clause of an insert or a delete, that name
	 * the category and price the item had: its own.
	 */
	static final String UNCHANGED_PREVIOUS_COLUMNS = "category AS previous_category, price_cents AS previous_price_cents";

	static ItemChange fromRow(Readable row) {
		return new ItemChange(Item.fromRow(row), row.get("previous_category", String.class),
				row.get("previous_price_cents", Long.class), changeIdOf(row));
	}

	/** The change id of the transaction a {@link #CHANGE_ID_COLUMN} names. */
	public static String changeIdOf(Readable row) {
		return changeIdOf(row.get("change_id", String.class));
	}

	/**
	 * The change id of a transaction, as both the writer and the change feed name it, so
	 * that the change is applied once.
	 */
	static String changeIdOf(String transactionId) {
		return "tx:" + transactionId;
	}

}
