package com.example.catalog.favorites;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.example.catalog.catalog.Item;
import com.example.catalog.catalog.ItemChange;

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
			.sql("SELECT " + Item.qualifiedColumns("i") + " FROM favorites f JOIN items i ON i.id = f.item_id "
					+ "WHERE f.principal = :principal ORDER BY f.created_at, i.id")
			.bind("principal", principal)
			.map(Item::fromRow)
			.all();
	}

	/**
	 * Makes the item a favourite (one that is there already stays as it is); the
	 * transaction that did, or nothing when there is no such item.
	 */
	Mono<String> add(String principal, long itemId) {
		return this.db.sql("""
				WITH item AS (SELECT id FROM items WHERE id = :itemId)
				INSERT INTO favorites (principal, item_id) SELECT :principal, id FROM item
				ON CONFLICT (principal, item_id) DO UPDATE SET principal = EXCLUDED.principal
				RETURNING %s
				""".formatted(ItemChange.CHANGE_ID_COLUMN))
			.bind("principal", principal)
			.bind("itemId", itemId)
			.map(ItemChange::changeIdOf)
			.one();
	}

	/** The transaction that removed the favourite, or nothing when it was none. */
	Mono<String> remove(String principal, long itemId) {
		return this.db
			.sql("DELETE FROM favorites WHERE principal = :principal AND item_id = :itemId RETURNING "
					+ ItemChange.CHANGE_ID_COLUMN)
			.bind("principal", principal)
			.bind("itemId", itemId)
			.map(ItemChange::changeIdOf)
			.one();
	}

	Mono<Boolean> itemExists(long itemId) {
		return this.db.sql("SELECT 1 FROM items WHERE id = :itemId").bind("itemId", itemId).fetch().all().hasElements();
	}

}
