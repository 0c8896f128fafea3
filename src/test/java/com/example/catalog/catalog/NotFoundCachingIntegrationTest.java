package com.example.catalog.catalog;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An item that does not exist is answered 404 from the cache for
 * {@code catalog.cache.not-found-ttl}, so that a scan of unknown ids stops reaching
 * PostgreSQL, and the kept 404 goes as soon as the item appears.
 */
@IntegrationTest
class NotFoundCachingIntegrationTest {

	private static final Pattern LOADS = Pattern.compile("(?m)^catalog_cache_loads_total(?:\\{[^}]*\\})? (\\S+)$");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@Test
	void aMissingItemIsAnswered404FromTheCacheWithoutLoadingAgain() {
		long gone = deletedItem();
		EntityExchangeResult<byte[]> first = getItem(gone);
		assertThat(CacheStatusHeader.withoutTtlAndKey(first.getResponseHeaders().getFirst("Cache-Status")))
			.isEqualTo("catalog; fwd=miss; stored");
		double loads = loads();
		EntityExchangeResult<byte[]> again = getItem(gone);
		assertThat(again.getResponseHeaders().getFirst("Cache-Status")).matches("catalog; hit; ttl=\\d+; key=\".+\"");
		assertThat(new String(again.getResponseBody())).isEqualTo(new String(first.getResponseBody()));
		assertThat(loads()).as("loads of the second request").isEqualTo(loads);
	}

	@Test
	void aKept404GoesAsSoonAsTheItemAppears() {
		long gone = deletedItem();
		getItem(gone);
		this.db
			.sql("INSERT INTO items (id, sku, name, category, price_cents) OVERRIDING SYSTEM VALUE "
					+ "VALUES (:id, :sku, 'Back again', 'not-found', 100)")
			.bind("id", gone)
			.bind("sku", "back-" + UUID.randomUUID())
			.then()
			.block(Duration.ofSeconds(5));
		// Inserted with SQL: the change feed invalidates it, within its 100 ms promise.
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> this.client.get()
				.uri("/catalog/items/" + gone)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.name")
				.isEqualTo("Back again"));
	}

	private long deletedItem() {
		long id = Editor.createItemId(this.client, "nf-" + UUID.randomUUID(), "Soon gone", "not-found", 100);
		this.client.delete()
			.uri("/catalog/items/" + id)
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.exchange()
			.expectStatus()
			.isNoContent();
		return id;
	}

	private EntityExchangeResult<byte[]> getItem(long id) {
		return this.client.get()
			.uri("/catalog/items/" + id)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("No item with id " + id)
			.returnResult();
	}

	private double loads() {
		String scrape = this.client.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		Matcher matcher = LOADS.matcher(scrape);
		assertThat(matcher.find()).as("catalog_cache_loads_total in the scrape").isTrue();
		return Double.parseDouble(matcher.group(1));
	}

}
