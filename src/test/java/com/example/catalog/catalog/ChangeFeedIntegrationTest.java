package com.example.catalog.catalog;

import java.time.Duration;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Changes made in SQL, outside the service, reach the cache through the database's change
 * announcements; the service's own writes are not invalidated twice; a dropped listening
 * connection costs one invalidation of everything, never a lost one.
 */
@IntegrationTest
class ChangeFeedIntegrationTest {

	private static final Duration SEEN_WITHIN = Duration.ofSeconds(5);

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@Autowired
	ReactiveStringRedisTemplate redis;

	@Autowired
	MeterRegistry meters;

	@Autowired
	Environment environment;

	@Autowired
	ChangeFeed feed;

	private final String category = "feed-" + UUID.randomUUID().toString().substring(0, 8);

	@Test
	void aChangeMadeInSqlIsSeenOnTheItemPageAndInItsListingsWithoutAnyApiCall() {
		long id = create("FEED-1-" + this.category, 1000);
		String page = "/catalog/items/" + id;
		String listing = "/catalog?category=" + this.category;
		get(page);
		get(listing);
		assertThat(cacheStatus(get(page))).isEqualTo("catalog; hit");
		assertThat(cacheStatus(get(listing))).isEqualTo("catalog; hit");

		long committedAt = System.nanoTime();
		this.db.sql("UPDATE items SET price_cents = 777 WHERE id = :id").bind("id", id).then().block();
		await().atMost(SEEN_WITHIN)
			.pollInterval(Duration.ofMillis(5))
			.untilAsserted(() -> assertThat(body(get(page))).contains("\"priceCents\":777"));
		System.out.printf("An UPDATE made in SQL was seen on the item page %.1f ms after its commit%n",
				(System.nanoTime() - committedAt) / 1e6);
		assertThat(body(get(listing))).contains("\"priceCents\":777");
	}

	@Test
	void aRowDeletedInSqlLeavesItsPageAndListings() {
		long id = create("FEED-2-" + this.category, 1000);
		String page = "/catalog/items/" + id;
		get(page);
		assertThat(cacheStatus(get(page))).isEqualTo("catalog; hit");
		this.db.sql("DELETE FROM items WHERE id = :id").bind("id", id).then().block();
		await().atMost(SEEN_WITHIN)
			.untilAsserted(() -> this.client.get().uri(page).exchange().expectStatus().isNotFound());
		assertThat(body(get("/catalog?category=" + this.category))).doesNotContain("FEED-2-");
	}

	@Test
	void aWriteThroughTheApiIsInvalidatedOnceNotAgainWhenItsAnnouncementArrives() {
		long id = create("FEED-3-" + this.category, 1000);
		String counter = counter(CatalogScopes.category(this.category));
		get("/catalog?category=" + this.category);
		long before = Long.parseLong(this.redis.opsForValue().get(counter).block());
		double heard = notificationsHeard();

		this.client.put()
			.uri("/catalog/items/" + id)
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(item("FEED-3-" + this.category, 1500))
			.exchange()
			.expectStatus()
			.isOk();
		assertThat(Long.parseLong(this.redis.opsForValue().get(counter).block())).isEqualTo(before + 1);
		await().atMost(SEEN_WITHIN).until(() -> notificationsHeard() > heard);
		assertThat(Long.parseLong(this.redis.opsForValue().get(counter).block()))
			.as("after the announcement of the same change")
			.isEqualTo(before + 1);
	}

	@Test
	void aBulkImportInOneStatementIsOneInvalidation() {
		get("/catalog?category=" + this.category);
		String everything = counter("everything");
		long before = Long.parseLong(this.redis.opsForValue().get(everything).block());
		double heard = notificationsHeard();
		this.db
			.sql("INSERT INTO items (sku, name, category, price_cents) "
					+ "SELECT :prefix || g, 'Imported', :category, g FROM generate_series(1, 5000) g")
			.bind("prefix", "BULK-" + this.category + "-")
			.bind("category", this.category)
			.then()
			.block();
		await().atMost(SEEN_WITHIN).until(() -> notificationsHeard() > heard);
		assertThat(Long.parseLong(this.redis.opsForValue().get(everything).block())).isEqualTo(before + 1);
		assertThat(body(get("/catalog?category=" + this.category + "&limit=1000"))).contains("BULK-");
	}

	@Test
	void aBurstOfChangesIsHeardInFullWithoutLosingTheListeningConnection() {
		double heard = notificationsHeard();
		double resyncs = this.meters.get("catalog.cache.feed.resyncs").counter().count();
		int changes = 3000;
		// The burst comes from a writer of its own, as SQL from outside the
		// service would: through the service's pool (1 s to acquire a
		// connection) a moment's slowness of the test's PostgreSQL failed the
		// writing, not the feed.
		ConnectionPool writers = new ConnectionPool(ConnectionPoolConfiguration
			.builder(ScratchDatabase.connectionFactory(this.environment.getRequiredProperty("spring.r2dbc.url")))
			.maxSize(16)
			.build());
		try {
			DatabaseClient writer = DatabaseClient.create(writers);
			Flux.range(0, changes)
				.flatMap((i) -> writer
					.sql("INSERT INTO items (sku, name, category, price_cents) VALUES (:sku, 'Burst', :category, 1)")
					.bind("sku", "BURST-" + this.category + "-" + i)
					.bind("category", this.category)
					.then(), 16)
				.blockLast();
		}
		finally {
			writers.dispose();
		}
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(notificationsHeard()).isGreaterThanOrEqualTo(heard + changes));
		assertThat(this.meters.get("catalog.cache.feed.resyncs").counter().count()).as("reconnects").isEqualTo(resyncs);
	}

	@Test
	void whenTheListeningConnectionDropsTheFeedReconnectsAndInvalidatesEverything() {
		long id = create("FEED-4-" + this.category, 1000);
		String page = "/catalog/items/" + id;
		get(page);
		assertThat(cacheStatus(get(page))).isEqualTo("catalog; hit");
		double resyncs = this.meters.get("catalog.cache.feed.resyncs").counter().count();

		// This context's listening connection only: other contexts, and other test runs
		// on the same server, have their own.
		Boolean terminated = this.db.sql("SELECT pg_terminate_backend(:pid)")
			.bind("pid", this.feed.backendPid())
			.map((row) -> row.get(0, Boolean.class))
			.one()
			.block();
		assertThat(terminated).as("the listening connection ended").isTrue();

		await().atMost(SEEN_WITHIN)
			.untilAsserted(() -> assertThat(this.meters.get("catalog.cache.feed.resyncs").counter().count())
				.isGreaterThan(resyncs));
		await().atMost(SEEN_WITHIN).untilAsserted(() -> assertThat(cacheStatus(get(page))).contains("fwd=miss"));
		await().atMost(SEEN_WITHIN)
			.untilAsserted(
					() -> assertThat(this.meters.get("catalog.cache.feed.listening").gauge().value()).isEqualTo(1));
	}

	private double notificationsHeard() {
		return this.meters.get("catalog.cache.feed.notifications").counter().count();
	}

	private String counter(String scope) {
		String prefix = this.environment.getRequiredProperty("catalog.cache.key-prefix");
		return prefix + ":gen:{" + prefix + "}:" + scope;
	}

	private long create(String sku, long priceCents) {
		return Editor.createItemId(this.client, sku, "Fed", this.category, priceCents);
	}

	private String item(String sku, long priceCents) {
		return "{\"sku\":\"" + sku + "\",\"name\":\"Fed\",\"description\":\"\",\"category\":\"" + this.category
				+ "\",\"priceCents\":" + priceCents + "}";
	}

	private EntityExchangeResult<String> get(String uri) {
		return this.client.get().uri(uri).exchange().expectStatus().isOk().expectBody(String.class).returnResult();
	}

	private static String cacheStatus(EntityExchangeResult<String> result) {
		return CacheStatusHeader.withoutTtlAndKey(result.getResponseHeaders().getFirst("Cache-Status"));
	}

	private static String body(EntityExchangeResult<String> result) {
		return result.getResponseBody();
	}

}
