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
				+ COLUMNS + ", category AS previous_category, " + CHANGE_ID)
			.bindValues(fields(input))
			.map(ItemChange::fromRow)
			.one();
	}

	/**
	 * The changed item with the category it had before, or nothing when there is none.
	 */
	Mono<ItemChange> update(long id, ItemInput input) {
		return this.db.sql("UPDATE items i SET sku = :sku, name = :name, description = :description, "
				+ "category = :category, price_cents = :priceCents, updated_at = now() "
				+ "FROM (SELECT id, category FROM items WHERE id = :id FOR UPDATE) previous WHERE i.id = previous.id "
				+ "RETURNING " + Item.qualifiedColumns("i") + ", previous.category AS previous_category, " + CHANGE_ID)
			.bind("id", id)
			.bindValues(fields(input))
			.map(ItemChange::fromRow)
			.one();
	}

	private static Map<String, Object> fields(ItemInput input) {
		return Map.of("sku", input.sku(), "name", input.name(), "description", input.description(), "category",
				input.category(), "priceCents", input.priceCents());
	}

	/** The deleted item, or nothing when there was none. */
	Mono<ItemChange> delete(long id) {
		return this.db
			.sql("DELETE FROM items WHERE id = :id RETURNING " + COLUMNS + ", category AS previous_category, "
					+ CHANGE_ID)
			.bind("id", id)
			.map(ItemChange::fromRow)
			.one();
	}

	Mono<Long> count() {
		return this.db.sql("SELECT count(*) FROM items").map((row) -> row.get(0, Long.class)).one();
	}

}
