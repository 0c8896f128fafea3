package com.example.catalog;

import java.util.Map;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * What the integration tests do as the {@code editor} of {@link IntegrationTest}: create
 * items through the API, as a client would, so that every write pays its invalidation.
 */
public final class Editor {

	private Editor() {
	}

	/**
	 * Creates an item in {@code category} and answers the created item; fails the test
	 * unless the answer is 201.
	 */
	public static Map<String, Object> createItem(WebTestClient client, String sku, String name, String category,
			long priceCents) {
		return client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(
					Map.of("sku", sku, "name", name, "description", "", "category", category, "priceCents", priceCents))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CREATED)
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
	}

	/** The id of an item {@link #createItem created}. */
	public static long createItemId(WebTestClient client, String sku, String name, String category, long priceCents) {
		return ((Number) createItem(client, sku, name, category, priceCents).get("id")).longValue();
	}

}
