package com.example.catalog.catalog;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A page of {@code GET /catalog} as the tests of this package read it, and an item's
 * stored columns as they check them.
 *
 * @param items the page's items, as JSON objects
 * @param nextCursor the cursor of the next page, {@code null} on the last
 */
record CatalogPage(List<Map<String, Object>> items, String nextCursor) {

	/** The page at {@code uri}, which must answer 200. */
	static CatalogPage get(WebTestClient client, URI uri) {
		Map<String, Object> body = client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> items = (List<Map<String, Object>>) body.get("items");
		return new CatalogPage(items, (String) body.get("nextCursor"));
	}

	/** One numeric column ({@code version}, {@code price_cents}) of item {@code id}. */
	static long storedColumn(DatabaseClient db, long id, String column) {
		return db.sql("SELECT " + column + " FROM items WHERE id = :id")
			.bind("id", id)
			.map((row) -> row.get(0, Long.class))
			.one()
			.block();
	}

	List<Long> ids() {
		return this.items.stream().map((item) -> ((Number) item.get("id")).longValue()).toList();
	}

}
