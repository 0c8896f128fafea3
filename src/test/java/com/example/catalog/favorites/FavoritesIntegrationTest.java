package com.example.catalog.favorites;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;
import com.example.catalog.cache.CacheProperties;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Favourites end to end, against real PostgreSQL and Redis: cached per principal, never
 * served to another principal, invalidated per principal by the principal's own changes
 * and for everybody by a change to an item.
 */
@IntegrationTest
class FavoritesIntegrationTest {

	private static final String HIT = "catalog; hit";

	private static final String STORED = "catalog; fwd=miss; stored";

	private static final String UNKNOWN_ID = "999999999999999999";

	@Autowired
	WebTestClient client;

	@Autowired
	MeterRegistry meters;

	@Autowired
	DatabaseClient db;

	@Autowired
	ReactiveStringRedisTemplate redis;

	@Autowired
	JsonMapper jsonMapper;

	@Autowired
	CacheProperties cacheProperties;

	@Value("${catalog.cache.key-prefix}")
	String keyPrefix;

	@LocalServerPort
	int port;

	String category;

	/**
	 * Favourites of alice and bob start empty in every test. Rows are removed behind the
	 * cache's back, but every test changes each principal's favourites through the API
	 * (which invalidates their entries) before it reads them.
	 */
	@BeforeEach
	void startWithoutFavorites() {
		this.category = "fav-" + UUID.randomUUID().toString().substring(0, 8);
		this.db.sql("DELETE FROM favorites WHERE principal IN ('alice', 'bob')")
			.fetch()
			.rowsUpdated()
			.block(Duration.ofSeconds(10));
	}

	@Test
	void twoPrincipalsInterleavedNeverReceiveEachOthersPage() {
		long a = createItem(100);
		long b = createItem(200);
		favor("alice", a);
		favor("bob", b);
		byte[] alicePage = favorites("alice", STORED);
		byte[] bobPage = favorites("bob", STORED);
		assertThat(ids(alicePage)).containsExactly(a);
		assertThat(ids(bobPage)).containsExactly(b);

		double loads = loads();
		double hits = hits();
		for (int i = 0; i < 50; i++) {
			assertThat(favorites("alice", HIT)).as("alice, round %d", i).isEqualTo(alicePage);
			assertThat(favorites("bob", HIT)).as("bob, round %d", i).isEqualTo(bobPage);
		}
		assertThat(loads()).isEqualTo(loads);
		assertThat(hits() - hits).isEqualTo(100);
	}

	@Test
	void onePrincipalsChangeEvictsOnlyThatPrincipalsEntry() {
		long a = createItem(100);
		long b = createItem(200);
		long c = createItem(300);
		favor("alice", a);
		favor("bob", b);
		favorites("alice", STORED);
		byte[] bobPage = favorites("bob", STORED);

		favor("alice", c);
		double loads = loads();
		double hits = hits();
		assertThat(favorites("bob", HIT)).isEqualTo(bobPage);
		assertThat(hits() - hits).isEqualTo(1);
		assertThat(loads()).isEqualTo(loads);
		assertThat(ids(favorites("alice", STORED))).containsExactly(a, c);
		assertThat(loads() - loads).isEqualTo(1);

		this.client.delete()
			.uri("/me/favorites/" + c)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isNoContent();
		loads = loads();
		hits = hits();
		assertThat(favorites("bob", HIT)).isEqualTo(bobPage);
		assertThat(hits() - hits).isEqualTo(1);
		assertThat(loads()).isEqualTo(loads);
		assertThat(ids(favorites("alice", STORED))).containsExactly(a);

		// favouring an item twice keeps one favourite
		favor("alice", a);
		assertThat(ids(favorites("alice", STORED))).containsExactly(a);
		assertThat(favorites("bob", HIT)).isEqualTo(bobPage);
	}

	@Test
	void itemChangesShowInEveryPrincipalsFavoritesAtOnce() {
		String sku = this.category + "-shared";
		long shared = createItem(sku, 1234);
		favor("alice", shared);
		favor("bob", shared);
		for (String user : List.of("alice", "bob")) {
			favorites(user, STORED);
			assertThat(prices(favorites(user, HIT))).containsExactly(Map.entry(shared, 1234L));
		}

		this.client.put()
			.uri("/catalog/items/" + shared)
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("sku", sku, "name", "Shared " + this.category, "category", this.category, "priceCents",
					4321))
			.exchange()
			.expectStatus()
			.isOk();
		for (String user : List.of("alice", "bob")) {
			assertThat(prices(favorites(user, STORED))).as(user).containsExactly(Map.entry(shared, 4321L));
		}

		this.client.delete()
			.uri("/catalog/items/" + shared)
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.exchange()
			.expectStatus()
			.isNoContent();
		for (String user : List.of("alice", "bob")) {
			assertThat(ids(favorites(user, STORED))).as(user).isEmpty();
		}
	}

	@Test
	void favoriteOfAnUnknownItemIsNotFoundProblem() {
		for (WebTestClient.RequestHeadersSpec<?> request : List.of(this.client.put().uri("/me/favorites/" + UNKNOWN_ID),
				this.client.delete().uri("/me/favorites/" + UNKNOWN_ID))) {
			request.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
				.exchange()
				.expectStatus()
				.isNotFound()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(404)
				.jsonPath("$.title")
				.isNotEmpty()
				.jsonPath("$.detail")
				.value((detail) -> assertThat(detail.toString()).contains(UNKNOWN_ID));
		}
		this.client.put()
			.uri("/me/favorites/not-an-id")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("id");
		createItem(100);
		assertThat(ids(favorites("alice", STORED))).isEmpty();
	}

	@Test
	void favoritesWithoutValidCredentialsAreUnauthorized() {
		long item = createItem(100);
		List<WebTestClient.RequestHeadersSpec<?>> requests = List.of(this.client.get().uri("/me/favorites"),
				this.client.put().uri("/me/favorites/" + item), this.client.delete().uri("/me/favorites/" + item),
				this.client.get()
					.uri("/me/favorites")
					.headers((headers) -> headers.setBasicAuth("alice", "bob-secret")));
		for (WebTestClient.RequestHeadersSpec<?> request : requests) {
			request.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"catalog\"")
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(401)
				.jsonPath("$.title")
				.isNotEmpty();
		}
		Long favorites = this.db.sql("SELECT count(*) FROM favorites WHERE item_id = :item")
			.bind("item", item)
			.map((row) -> row.get(0, Long.class))
			.one()
			.block(Duration.ofSeconds(10));
		assertThat(favorites).isZero();
	}

	@Test
	void redisKeysOfFavoritesDoNotContainThePrincipalName() {
		favor("alice", createItem(100));
		favor("bob", createItem(200));
		favorites("alice", STORED);
		favorites("bob", STORED);
		List<String> keys = this.redis.scan(ScanOptions.scanOptions().match(this.keyPrefix + ":*").count(1000).build())
			.map((key) -> key.substring(this.keyPrefix.length()))
			.collectList()
			.block(Duration.ofSeconds(10));
		List<String> favoritesEntries = keys.stream().filter((key) -> key.startsWith(":resp:favorites:")).toList();
		assertThat(favoritesEntries).hasSizeGreaterThanOrEqualTo(2);
		assertThat(keys.stream().filter((key) -> key.contains(":principal:"))).hasSizeGreaterThanOrEqualTo(2);
		assertThat(keys)
			.allSatisfy((key) -> assertThat(key.toLowerCase()).doesNotContain("alice", "bob", "editor", "secret"));
	}

	@Test
	void favoritesAreCachedPrivatelyAndVaryByAuthorization() {
		favor("alice", createItem(100));
		favor("bob", createItem(200));
		EntityExchangeResult<byte[]> alice = favoritesExchange("alice");
		assertThat(alice.getResponseHeaders().getCacheControl()).contains("private").doesNotContain("public");
		assertThat(alice.getResponseHeaders().getVary()).contains(HttpHeaders.AUTHORIZATION);
		String etag = alice.getResponseHeaders().getETag();
		assertThat(etag).startsWith("\"");

		this.client.get()
			.uri("/me/favorites")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.header(HttpHeaders.IF_NONE_MATCH, etag)
			.exchange()
			.expectStatus()
			.isNotModified();
		// alice's validator means nothing for bob's page
		this.client.get()
			.uri("/me/favorites")
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.header(HttpHeaders.IF_NONE_MATCH, etag)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.value(HttpHeaders.ETAG, (bobEtag) -> assertThat(bobEtag).isNotEqualTo(etag));
	}

	@Test
	void publicPagesArePublicWithMaxAgeWithinTheTtl() {
		long item = createItem(100);
		for (String url : List.of("/catalog?category=" + this.category, "/catalog/items/" + item)) {
			String cacheControl = this.client.get()
				.uri(URI.create("http://127.0.0.1:" + this.port + url))
				.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
				.exchange()
				.expectStatus()
				.isOk()
				.returnResult(byte[].class)
				.getResponseHeaders()
				.getCacheControl();
			assertThat(cacheControl).as(url).contains("public").doesNotContain("private");
			Matcher maxAge = Pattern.compile("max-age=(\\d+)").matcher(cacheControl);
			assertThat(maxAge.find()).as(url + ": " + cacheControl).isTrue();
			assertThat(Long.parseLong(maxAge.group(1))).isLessThanOrEqualTo(this.cacheProperties.ttl().toSeconds());
		}
	}

	private long createItem(long priceCents) {
		return createItem(this.category + "-" + UUID.randomUUID().toString().substring(0, 8), priceCents);
	}

	private long createItem(String sku, long priceCents) {
		return Editor.createItemId(this.client, sku, "Item " + sku, this.category, priceCents);
	}

	private void favor(String user, long itemId) {
		this.client.put()
			.uri("/me/favorites/" + itemId)
			.headers((headers) -> headers.setBasicAuth(user, user + "-secret"))
			.exchange()
			.expectStatus()
			.isNoContent();
	}

	private byte[] favorites(String user, String expectedCacheStatus) {
		EntityExchangeResult<byte[]> result = favoritesExchange(user);
		assertThat(CacheStatusHeader.withoutTtlAndKey(result.getResponseHeaders().getFirst("Cache-Status"))).as(user)
			.isEqualTo(expectedCacheStatus);
		return result.getResponseBody();
	}

	private EntityExchangeResult<byte[]> favoritesExchange(String user) {
		return this.client.get()
			.uri("/me/favorites")
			.headers((headers) -> headers.setBasicAuth(user, user + "-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectBody()
			.returnResult();
	}

	private List<Long> ids(byte[] page) {
		return new ArrayList<>(prices(page).keySet());
	}

	/** Item id to price, in the order of the page. */
	private Map<Long, Long> prices(byte[] page) {
		Map<Long, Long> prices = new LinkedHashMap<>();
		for (JsonNode item : this.jsonMapper.readTree(page).get("items")) {
			prices.put(item.get("id").asLong(), item.get("priceCents").asLong());
		}
		return prices;
	}

	private double loads() {
		return this.meters.get("catalog.cache.loads").counter().count();
	}

	private double hits() {
		return this.meters.get("catalog.cache.requests").tag("result", "hit").counter().count();
	}

}
