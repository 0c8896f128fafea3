package com.example.catalog.favorites;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.example.catalog.catalog.Item;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

@Repository
class FavoriteRepository {

	private final DatabaseClient db;

	FavoriteRepository(DatabaseClient db) {
		this.db = db;
	}

	Flux<Item> findItems(String principal) {
		return this.db
			.sql("SELECT " + qualified() + " FROM favorites f JOIN items i ON i.id = f.item_id "
					+ "WHERE f.principal = :principal ORDER BY f.created_at, i.id")
			.bind("principal", principal)
			.map(Item::fromRow)
			.all();
	}

	/** Whether the item exists; a favourite that is there already stays as it is. */
	Mono<Boolean> add(String principal, long itemId) {
		return this.db.sql("""
				WITH item AS (SELECT id FROM items WHERE id = :itemId)
				INSERT INTO favorites (principal, item_id) SELECT :principal, id FROM item
				ON CONFLICT (principal, item_id) DO UPDATE SET principal = EXCLUDED.principal
				RETURNING item_id
				""").bind("principal", principal).bind("itemId", itemId).fetch().all().hasElements();
	}

	Mono<Void> remove(String principal, long itemId) {
		return this.db.sql("DELETE FROM favorites WHERE principal = :principal AND item_id = :itemId")
			.bind("principal", principal)
			.bind("itemId", itemId)
			.fetch()
			.rowsUpdated()
			.then();
	}

	Mono<Boolean> itemExists(long itemId) {
		return this.db.sql("SELECT 1 FROM items WHERE id = :itemId").bind("itemId", itemId).fetch().all().hasElements();
	}

	private static String qualified() {
		StringBuilder columns = new StringBuilder();
		for (String column : Item.COLUMNS.split(",\\s*")) {
			columns.append((columns.length() > 0) ? ", " : "").append("i.").append(column);
		}
		return columns.toString();
	}

}
