package com.example.catalog.catalog;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

/**
 * Items in PostgreSQL, through R2DBC.
 */
@Repository
class ItemRepository {

	private static final String COLUMNS = Item.COLUMNS;

	private static final String CHANGE_ID = ItemChange.CHANGE_ID_COLUMN;

	private final DatabaseClient db;

	ItemRepository(DatabaseClient db) {
		this.db = db;
	}

	Mono<Item> findById(long id) {
		return this.db.sql("SELECT " + COLUMNS + " FROM items WHERE id = :id").bind("id", id).map(Item::fromRow).one();
	}

	/**
	 * The new item, or nothing when the SKU is taken. Every change reports the
	 * transaction that made it, which is how the change feed names it too.
	 */
	Mono<ItemChange> insertUnlessSkuTaken(ItemInput input) {
		return this.db.sql("INSERT INTO items (sku, name, description, category, price_cents) "
				+ "VALUES (:sku, :name, :description, :category, :priceCents) ON CONFLICT (sku) DO NOTHING RETURNING "
				+ COLUMNS + ", " + ItemChange.UNCHANGED_PREVIOUS_COLUMNS + ", " + CHANGE_ID)
			.bindValues(fields(input))
			.map(ItemChange::fromRow)
			.one();
	}

	/**
	 * The changed item with the category it had before, or nothing when there is none,
	 * or, with an expected version, when it is no longer at that version. The version is
	 * checked where the row is locked, in the statement that changes it: of two writes
	 * that expect the same version, the one that waits for the other's lock finds the
	 * version changed and changes nothing.
	 * @param expectedVersion the version the item must be at, {@code null} for any
	 */
	Mono<ItemChange> update(long id, ItemInput input, Long expectedVersion) {
		DatabaseClient.GenericExecuteSpec spec = this.db
			.sql("UPDATE items i SET sku = :sku, name = :name, description = :description, "
					+ "category = :category, price_cents = :priceCents, updated_at = now() "
					+ "FROM (SELECT id, category, price_cents FROM items WHERE id = :id"
					+ versionCondition(expectedVersion) + " FOR UPDATE) previous WHERE i.id = previous.id RETURNING "
					+ Item.qualifiedColumns("i") + ", previous.category AS previous_category, "
					+ "previous.price_cents AS previous_price_cents, " + CHANGE_ID)
			.bind("id", id)
			.bindValues(fields(input));
		return bindVersion(spec, expectedVersion).map(ItemChange::fromRow).one();
	}

	private static Map<String, Object> fields(ItemInput input) {
		return Map.of("sku", input.sku(), "name", input.name(), "description", input.description(), "category",
				input.category(), "priceCents", input.priceCents());
	}

	/**
	 * The deleted item, or nothing when there was none or, with an expected version, when
	 * it is no longer at that version (checked in the same statement, as for an update).
	 * @param expectedVersion the version the item must be at, {@code null} for any
	 */
	Mono<ItemChange> delete(long id, Long expectedVersion) {
		DatabaseClient.GenericExecuteSpec spec = this.db
			.sql("DELETE FROM items WHERE id = :id" + versionCondition(expectedVersion) + " RETURNING " + COLUMNS + ", "
					+ ItemChange.UNCHANGED_PREVIOUS_COLUMNS + ", " + CHANGE_ID)
			.bind("id", id);
		return bindVersion(spec, expectedVersion).map(ItemChange::fromRow).one();
	}

	private static String versionCondition(Long expectedVersion) {
		return (expectedVersion != null) ? " AND version = :version" : "";
	}

	private static DatabaseClient.GenericExecuteSpec bindVersion(DatabaseClient.GenericExecuteSpec spec,
			Long expectedVersion) {
		return (expectedVersion != null) ? spec.bind("version", expectedVersion) : spec;
	}

	Mono<Long> count() {
		return this.db.sql("SELECT count(*) FROM items").map((row) -> row.get(0, Long.class)).one();
	}

}
