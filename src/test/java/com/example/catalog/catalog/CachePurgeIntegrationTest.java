package com.example.catalog.catalog;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@IntegrationTest
class CachePurgeIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	MeterRegistry meters;

	private final String run = UUID.randomUUID().toString().substring(0, 8);

	private final String decor = "purge-decor-" + this.run;

	private final String garden = "purge-garden-" + this.run;

	@BeforeEach
	void twoCachedListings() {
		for (String category : List.of(this.decor, this.garden)) {
			Editor.createItem(this.client, category, "Purged", category, 100);
			// Warmed until a hit: on a busy machine a context that has just started may
			// still resync its change feed (which invalidates everything) meanwhile.
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(cacheStatus(category)).isEqualTo("catalog; hit"));
		}
	}

	@Test
	void purgingACategoryMakesOnlyItsListingsMisses() {
		double before = purges("named");
		Map<?, ?> purged = purge("ops", "ops-secret", "{\"categories\":[\"" + this.decor + "\"]}");
		assertThat(purged.get("invalidated")).isEqualTo(List.of(CatalogScopes.category(this.decor)));
		assertThat(cacheStatus(this.decor)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(cacheStatus(this.garden)).isEqualTo("catalog; hit");
		assertThat(purges("named")).isEqualTo(before + 1);
	}

	@Test
	void purgingEverythingMakesEveryPageAMiss() {
		double before = purges("everything");
		Map<?, ?> purged = purge("editor", "editor-secret", "{\"everything\":true}");
		assertThat(purged.get("invalidated")).isEqualTo(List.of("everything"));
		assertThat(cacheStatus(this.decor)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(cacheStatus(this.garden)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(purges("everything")).isEqualTo(before + 1);
	}

	@Test
	void onlyEditorsAndOperatorsMayPurge() {
		this.client.post()
			.uri("/admin/cache/purge")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"everything\":true}")
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.client.post()
			.uri("/admin/cache/purge")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"everything\":true}")
			.exchange()
			.expectStatus()
			.isForbidden();
		assertThat(cacheStatus(this.decor)).isEqualTo("catalog; hit");
	}

	@Test
	void aPurgeThatNamesNothingOrSomethingUnknownIsAProblemNamingTheField() {
		for (String[] bad : new String[][] { { "{}", "body" }, { "{\"colours\":[\"red\"]}", "colours" },
				{ "{\"items\":[\"seven\"]}", "items" }, { "{\"everything\":\"yes\"}", "everything" }, { "[1]", "body" },
				{ "{\"items\":", "body" } }) {
			this.client.post()
				.uri("/admin/cache/purge")
				.headers((headers) -> headers.setBasicAuth("ops", "ops-secret"))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(bad[0])
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody(String.class)
				.value((body) -> assertThat(body).as(bad[0]).contains(bad[1]));
		}
		assertThat(cacheStatus(this.decor)).isEqualTo("catalog; hit");
	}

	private Map<?, ?> purge(String user, String password, String body) {
		return this.client.post()
			.uri("/admin/cache/purge")
			.headers((headers) -> headers.setBasicAuth(user, password))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
	}

	private String cacheStatus(String category) {
		return CacheStatusHeader.withoutTtlAndKey(this.client.get()
			.uri("/catalog?category=" + category)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(String.class)
			.getResponseHeaders()
			.getFirst("Cache-Status"));
	}

	private double purges(String scope) {
		return this.meters.get("catalog.cache.purges").tag("scope", scope).counter().count();
	}

}
