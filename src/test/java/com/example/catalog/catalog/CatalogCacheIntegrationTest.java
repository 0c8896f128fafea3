package com.example.catalog.catalog;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The response cache end to end, against real PostgreSQL and Redis.
 */
@IntegrationTest
class CatalogCacheIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	MeterRegistry meters;

	@Autowired
	ReactiveStringRedisTemplate redis;

	@LocalServerPort
	int port;

	String category;

	@BeforeEach
	void seedACategoryOfItsOwn() {
		this.category = "it-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 1; i <= 25; i++) {
			create(Map.of("sku", this.category + "-" + i, "name", "Item " + i + " of " + this.category, "description",
					"Test item", "category", this.category, "priceCents", 100 * ((i * 7) % 25 + 1)));
		}
	}

	@Test
	void secondIdenticalRequestRunsNoQuery() {
		String url = "/catalog?category=" + this.category + "&limit=10";
		double loadsBefore = loads();
		byte[] first = get(url, "catalog; fwd=miss; stored");
		byte[] second = get(url, "catalog; hit");
		assertThat(second).isEqualTo(first);
		assertThat(loads() - loadsBefore).isEqualTo(1);
	}

	@Test
	void requestsMeaningTheSameQueryShareOneEntry() {
		get("/catalog?category=" + this.category + "&minPrice=100&limit=20", "catalog; fwd=miss; stored");
		double loadsBefore = loads();
		get("/catalog?limit=20&sort=id&minPrice=0100&category=" + this.category, "catalog; hit");
		get("/catalog?minPrice=%2B100&category=" + this.category + "&limit=20", "catalog; hit");
		assertThat(loads()).isEqualTo(loadsBefore);
	}

	@Test
	void twoHundredConcurrentColdRequestsRunOneLoad() {
		String url = "http://127.0.0.1:" + this.port + "/catalog?category=" + this.category + "&limit=7";
		ConnectionProvider connections = ConnectionProvider.builder("stampede").maxConnections(250).build();
		try {
			WebClient webClient = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
				.build();
			double loadsBefore = loads();
			List<String> statuses = Flux.range(0, 200)
				.flatMap((i) -> webClient.get()
					.uri(url)
					.exchangeToMono((response) -> response.bodyToMono(String.class)
						.map((body) -> response.statusCode().value() + " "
								+ response.headers().asHttpHeaders().getFirst("Cache-Status") + " " + body.hashCode())),
						200)
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(statuses).hasSize(200).allMatch((status) -> status.startsWith("200 "));
			Set<String> bodies = new HashSet<>();
			statuses.forEach((status) -> bodies.add(status.substring(status.lastIndexOf(' '))));
			assertThat(bodies).hasSize(1);
			assertThat(loads() - loadsBefore)
				.as("loads; Cache-Status of the answers: %s",
						statuses.stream()
							.map((status) -> status.substring(4, status.lastIndexOf(' ')))
							.collect(java.util.stream.Collectors.groupingBy((status) -> status,
									java.util.stream.Collectors.counting())))
				.isEqualTo(1);
		}
		finally {
			connections.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void writesAreSeenByTheNextReadOfEveryCachedPage() {
		String listing = "/catalog?category=" + this.category + "&sort=-price&limit=50";
		String search = "/catalog?q=" + this.category;
		Map<String, Object> created = create(Map.of("sku", this.category + "-new", "name", "Fresh " + this.category,
				"description", "New", "category", this.category, "priceCents", 4242));
		long id = ((Number) created.get("id")).longValue();
		for (String url : List.of(listing, search, "/catalog/items/" + id)) {
			get(url, "catalog; fwd=miss; stored");
			get(url, "catalog; hit");
		}

		this.client.put()
			.uri("/catalog/items/" + id)
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("sku", this.category + "-new", "name", "Fresh " + this.category, "category",
					this.category, "priceCents", 4343))
			.exchange()
			.expectStatus()
			.isOk();
		assertThat(new String(get(listing, "catalog; fwd=miss; stored"))).contains("\"priceCents\":4343")
			.doesNotContain("\"priceCents\":4242");
		assertThat(new String(get(search, "catalog; fwd=miss; stored"))).contains("\"priceCents\":4343");
		assertThat(new String(get("/catalog/items/" + id, "catalog; fwd=miss; stored"))).contains("4343");

		this.client.delete()
			.uri("/catalog/items/" + id)
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.exchange()
			.expectStatus()
			.isNoContent();
		assertThat(new String(get(listing, "catalog; fwd=miss; stored"))).doesNotContain("\"id\":" + id + ",");
		this.client.get().uri("/catalog/items/" + id).exchange().expectStatus().isNotFound();
	}

	@Test
	void matchingIfNoneMatchGetsNotModified() {
		String url = "/catalog?category=" + this.category;
		String etag = this.client.get().uri(url).exchange().returnResult(byte[].class).getResponseHeaders().getETag();
		assertThat(etag).startsWith("\"");
		this.client.get()
			.uri(url)
			.header(HttpHeaders.IF_NONE_MATCH, etag)
			.exchange()
			.expectStatus()
			.isNotModified()
			.expectHeader()
			.valueEquals(HttpHeaders.ETAG, etag)
			.expectBody()
			.isEmpty();
	}

	@Test
	void badQueriesAreProblemsNamingTheParameter() {
		Map<String, String> cases = Map.of("/catalog?colour=red", "colour", "/catalog?category=a&category=b",
				"category", "/catalog?limit=0", "limit", "/catalog?limit=1001", "limit", "/catalog?minPrice=abc",
				"minPrice", "/catalog?category=", "category", "/catalog?q=a%01b", "q", "/catalog?sort=colour", "sort",
				"/catalog?cursor=not-a-cursor", "cursor", "/catalog?maxPrice=99999999999999999999999", "maxPrice");
		cases.forEach((url, parameter) -> this.client.get()
			.uri(uri(url))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(400)
			.jsonPath("$.title")
			.exists()
			.jsonPath("$.parameter")
			.isEqualTo(parameter));
	}

	@Test
	void followingNextCursorVisitsEveryItemOnceInEverySort() {
		for (String sort : List.of("id", "name", "price", "-price", "createdAt", "-createdAt")) {
			List<Long> seen = new java.util.ArrayList<>();
			String cursor = null;
			int pages = 0;
			do {
				String query = "category=" + this.category + "&limit=4&sort=" + sort
						+ ((cursor != null) ? "&cursor=" + cursor : "");
				CatalogPage page = CatalogPage.get(this.client, uri("/catalog?" + query));
				seen.addAll(page.ids());
				cursor = page.nextCursor();
				pages++;
			}
			while (cursor != null && pages < 20);
			assertThat(seen).as("sort %s", sort).hasSize(25).doesNotHaveDuplicates();
			assertThat(pages).as("sort %s", sort).isEqualTo(7);
		}
	}

	@Test
	void hitsAnsweredBeforeSecurityCarryExactlyTheHeadersOfTheFullChain() {
		String url = "/catalog?category=" + this.category + "&limit=5";
		get(url, "catalog; fwd=miss; stored");
		long id = ((Number) create(Map.of("sku", this.category + "-h", "name", "Header check", "description", "x",
				"category", this.category, "priceCents", 100))
			.get("id")).longValue();
		String item = "/catalog/items/" + id;
		get(url, "catalog; fwd=miss; stored");
		get(item, "catalog; fwd=miss; stored");
		for (String path : List.of(url, item)) {
			for (String acceptEncoding : List.of("identity", "gzip")) {
				// Credentials send the request through Spring Security and the handler.
				HttpHeaders early = hitHeaders(path, acceptEncoding, null, false);
				HttpHeaders fullChain = hitHeaders(path, acceptEncoding, null, true);
				assertThat(withoutTtl(early)).as("%s, %s", path, acceptEncoding)
					.isEqualTo(withoutTtl(fullChain))
					.containsEntry("X-Content-Type-Options", "nosniff")
					.hasEntrySatisfying("Cache-Status",
							(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
				String etag = early.getETag();
				assertThat(withoutTtl(hitHeaders(path, acceptEncoding, etag, false)))
					.as("304 of %s, %s", path, acceptEncoding)
					.isEqualTo(withoutTtl(hitHeaders(path, acceptEncoding, etag, true)));
			}
		}
	}

	@Test
	void wrongCredentialsOnACachedPublicPageAreStillRefused() {
		String url = "/catalog?category=" + this.category + "&limit=3";
		get(url, "catalog; fwd=miss; stored");
		get(url, "catalog; hit");
		this.client.get()
			.uri(uri(url))
			.headers((headers) -> headers.setBasicAuth("editor", "wrong"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

	@Test
	void cacheStatusNamesTheEntrysRedisKeyAndAPrincipalOnlyByItsDigest() {
		String url = "/catalog?category=" + this.category + "&limit=6";
		String stored = cacheStatus(url, null);
		String hit = cacheStatus(url, null);
		assertThat(CacheStatusHeader.withoutTtlAndKey(stored)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(CacheStatusHeader.withoutTtlAndKey(hit)).isEqualTo("catalog; hit");
		String key = keyOf(stored);
		assertThat(keyOf(hit)).isEqualTo(key);
		assertThat(this.redis.hasKey(key).block(Duration.ofSeconds(5))).as("Redis holds %s", key).isTrue();

		String favorites = cacheStatus("/me/favorites", "alice");
		assertThat(keyOf(favorites)).contains(":resp:favorites:").doesNotContainIgnoringCase("alice");
		assertThat(this.redis.hasKey(keyOf(favorites)).block(Duration.ofSeconds(5))).isTrue();
	}

	private String cacheStatus(String url, String user) {
		return this.client.get().uri(uri(url)).headers((headers) -> {
			if (user != null) {
				headers.setBasicAuth(user, user + "-secret");
			}
		}).exchange().expectStatus().isOk().returnResult(byte[].class).getResponseHeaders().getFirst("Cache-Status");
	}

	private static String keyOf(String cacheStatus) {
		java.util.regex.Matcher key = java.util.regex.Pattern.compile("; key=\"([^\"]+)\"").matcher(cacheStatus);
		assertThat(key.find()).as("a key in %s", cacheStatus).isTrue();
		return key.group(1);
	}

	@Test
	void hitsAnsweredBeforeTheHandlerAreTimedUnderTheirRoute() {
		String url = "/catalog?category=" + this.category + "&limit=4";
		// Read before the miss: WebFlux may time the miss after its response has arrived.
		double before = timedRequests("/catalog");
		get(url, "catalog; fwd=miss; stored");
		for (int i = 0; i < 5; i++) {
			get(url, "catalog; hit");
		}
		// The timer is recorded after the response is written: allow it a moment.
		await().atMost(Duration.ofSeconds(5))
			.pollInterval(Duration.ofMillis(10))
			.untilAsserted(() -> assertThat(timedRequests("/catalog") - before).isEqualTo(6));
		assertThat(timedRequests("UNKNOWN")).isZero();
	}

	private double timedRequests(String uriTag) {
		return this.meters.find("http.server.requests")
			.tag("method", "GET")
			.tag("uri", uriTag)
			.tag("status", "200")
			.timers()
			.stream()
			.mapToDouble(Timer::count)
			.sum();
	}

	private HttpHeaders hitHeaders(String url, String acceptEncoding, String ifNoneMatch, boolean withCredentials) {
		return this.client.get().uri(uri(url)).headers((headers) -> {
			headers.set(HttpHeaders.ACCEPT_ENCODING, acceptEncoding);
			if (ifNoneMatch != null) {
				headers.setIfNoneMatch(ifNoneMatch);
			}
			if (withCredentials) {
				headers.setBasicAuth("alice", "alice-secret");
			}
		})
			.exchange()
			.expectStatus()
			.value((status) -> assertThat(status).isEqualTo((ifNoneMatch != null) ? 304 : 200))
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"))
			.returnResult(byte[].class)
			.getResponseHeaders();
	}

	/**
	 * The headers of a response; a hit's {@code ttl} depends on when it was asked, its
	 * {@code key} does not.
	 */
	private static Map<String, String> withoutTtl(HttpHeaders headers) {
		Map<String, String> values = new java.util.HashMap<>(headers.toSingleValueMap());
		values.computeIfPresent("Cache-Status", (name, value) -> value.replaceAll("; ttl=-?\\d+", ""));
		return values;
	}

	private Map<String, Object> create(Map<String, Object> item) {
		return this.client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(item)
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CREATED)
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
	}

	private byte[] get(String url, String expectedCacheStatus) {
		return this.client.get()
			.uri(uri(url))
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo(expectedCacheStatus))
			.expectBody()
			.returnResult()
			.getResponseBody();
	}

	/** The URL exactly as written: no template expansion, no re-encoding. */
	private URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + this.port + pathAndQuery);
	}

	private double loads() {
		return this.meters.get("catalog.cache.loads").counter().count();
	}

}
