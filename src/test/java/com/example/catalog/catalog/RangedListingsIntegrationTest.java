package com.example.catalog.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.BeforeEach;
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
 * Listings without a category, ordered by price or id, depend on the ranges their page
 * covers: a change elsewhere in the catalog leaves them cached, a change within their
 * range (an item moving into it or out of it, a price changed on it, a delete) makes them
 * a miss that shows the change, whether made through the API or in SQL.
 */
@IntegrationTest
class RangedListingsIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	/** Sixty items priced {@code base}, {@code base + 10}, ..., in ids' order. */
	private final List<Long> ids = new ArrayList<>();

	private final String category = "ranged-" + UUID.randomUUID().toString().substring(0, 8);

	/**
	 * A price band of this test's own, at the start of a range, so that what the other
	 * tests leave in the shared database never falls in it.
	 */
	private long base;

	@BeforeEach
	void seedAPriceBandOfItsOwn() {
		this.base = CatalogScopes.RANGE_WIDTH * ThreadLocalRandom.current().nextLong(1_000, 7_000_000);
		for (int i = 0; i < 60; i++) {
			this.ids
				.add(Editor.createItemId(this.client, this.category + "-" + i, "Ranged " + i, this.category, price(i)));
		}
	}

	@Test
	void aPriceChangeOutsideAPagesRangeKeepsItAHitAndOneWithinItMakesItAMiss() {
		String cheapest = "/catalog?sort=price&limit=5&minPrice=" + this.base;
		String fourthRange = "/catalog?sort=price&limit=5&minPrice=" + (this.base + 3 * CatalogScopes.RANGE_WIDTH);
		for (String listing : List.of(cheapest, fourthRange)) {
			assertThat(status(get(listing))).isEqualTo("catalog; fwd=miss; stored");
			assertThat(status(get(listing))).isEqualTo("catalog; hit");
		}

		// Item 1 (base + 10) is on the cheapest page: a new price within the first range.
		put(1, price(1) + 1);
		assertThat(body(get(cheapest))).contains("\"priceCents\":" + (price(1) + 1));
		assertThat(status(get(fourthRange))).as("a page of another range").isEqualTo("catalog; hit");

		// Item 40 (base + 400, on the fourth range's page) moves onto the cheapest page.
		put(40, this.base + 5);
		EntityExchangeResult<byte[]> cheapestAfter = get(cheapest);
		assertThat(status(cheapestAfter)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(body(cheapestAfter)).contains("\"id\":" + this.ids.get(40) + ",");
		EntityExchangeResult<byte[]> fourthAfter = get(fourthRange);
		assertThat(status(fourthAfter)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(body(fourthAfter)).doesNotContain("\"id\":" + this.ids.get(40) + ",");

		// Item 59 (base + 590, in the fifth range) changes: neither page can show it.
		put(59, price(59) + 3);
		assertThat(status(get(cheapest))).isEqualTo("catalog; hit");
		assertThat(status(get(fourthRange))).isEqualTo("catalog; hit");
	}

	@Test
	void aDeleteLeavesThePageOfItsRange() {
		String cheapest = "/catalog?sort=price&limit=5&minPrice=" + this.base;
		get(cheapest);
		assertThat(status(get(cheapest))).isEqualTo("catalog; hit");
		this.client.delete()
			.uri("/catalog/items/" + this.ids.get(2))
			.headers(RangedListingsIntegrationTest::editor)
			.exchange()
			.expectStatus()
			.isNoContent();
		EntityExchangeResult<byte[]> after = get(cheapest);
		assertThat(status(after)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(body(after)).doesNotContain("\"id\":" + this.ids.get(2) + ",").contains(this.category + "-5");
	}

	@Test
	void aPageInIdOrderDependsOnTheIdsItSpans() {
		// Made before the page is read: items created in the page's last range would
		// (rightly) invalidate it.
		String farSku = this.category + "-far";
		long farPastThePage = Editor.createItemId(this.client, farSku, "Far", this.category, this.base);
		while (Math.floorDiv(farPastThePage, CatalogScopes.RANGE_WIDTH) <= Math.floorDiv(this.ids.get(5),
				CatalogScopes.RANGE_WIDTH)) {
			farPastThePage = Editor.createItemId(this.client, farSku + "-" + UUID.randomUUID(), "Far", this.category,
					this.base);
		}
		String afterFirst = "/catalog?limit=5&cursor="
				+ PageCursor.after(new Item(this.ids.get(0), "", "", "", "", 0, null, 0), ItemSort.ID).encode();
		assertThat(body(get(afterFirst))).contains("\"id\":" + this.ids.get(1) + ",");
		assertThat(status(get(afterFirst))).isEqualTo("catalog; hit");

		put(farPastThePage, this.category + "-far-changed", "Far", this.base + 7);
		assertThat(status(get(afterFirst))).as("an item changed far past the page").isEqualTo("catalog; hit");

		put(3, price(3) + 1);
		EntityExchangeResult<byte[]> after = get(afterFirst);
		assertThat(status(after)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(body(after)).contains("\"priceCents\":" + (price(3) + 1));
	}

	@Test
	void aPriceChangedInSqlIntoAPagesRangeIsSeenWithoutAnyApiCall() {
		String cheapest = "/catalog?sort=price&limit=5&minPrice=" + this.base;
		get(cheapest);
		assertThat(status(get(cheapest))).isEqualTo("catalog; hit");
		this.db.sql("UPDATE items SET price_cents = :price WHERE id = :id")
			.bind("price", this.base + 1)
			.bind("id", this.ids.get(50))
			.then()
			.block(Duration.ofSeconds(10));
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(5))
			.untilAsserted(() -> assertThat(body(get(cheapest))).contains("\"id\":" + this.ids.get(50) + ","));
	}

	private long price(int i) {
		return this.base + 10L * i;
	}

	private void put(int i, long priceCents) {
		put(this.ids.get(i), this.category + "-" + i, "Ranged " + i, priceCents);
	}

	private void put(long id, String sku, String name, long priceCents) {
		this.client.put()
			.uri("/catalog/items/" + id)
			.headers(RangedListingsIntegrationTest::editor)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("sku", sku, "name", name, "category", this.category, "priceCents", priceCents))
			.exchange()
			.expectStatus()
			.isOk();
	}

	private static void editor(org.springframework.http.HttpHeaders headers) {
		headers.setBasicAuth("editor", "editor-secret");
	}

	private EntityExchangeResult<byte[]> get(String url) {
		return this.client.get().uri(url).exchange().expectStatus().isOk().expectBody().returnResult();
	}

	private static String status(EntityExchangeResult<byte[]> result) {
		return CacheStatusHeader.withoutTtlAndKey(result.getResponseHeaders().getFirst("Cache-Status"));
	}

	private static String body(EntityExchangeResult<byte[]> result) {
		return new String(result.getResponseBody());
	}

}
