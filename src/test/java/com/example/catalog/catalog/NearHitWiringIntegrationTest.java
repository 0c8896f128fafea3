package com.example.catalog.catalog;

import java.net.URI;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;
import com.example.catalog.RequestsSeenByWebFlux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The near-hit handler is wired in front of WebFlux: its answers look exactly like the
 * full chain's (see {@link CatalogCacheIntegrationTest}), so what proves it answered is
 * that a hit never reached WebFlux's filters, Spring Security's among them
 * ({@link RequestsSeenByWebFlux}).
 */
@IntegrationTest
@Import(RequestsSeenByWebFlux.CountingFilter.class)
class NearHitWiringIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	RequestsSeenByWebFlux seen;

	@LocalServerPort
	int port;

	String category;

	long id;

	@BeforeEach
	void anItemOfItsOwnCategory() {
		this.category = "near-" + UUID.randomUUID().toString().substring(0, 8);
		this.id = Editor.createItemId(this.client, this.category + "-1", "Near " + this.category, this.category, 100);
	}

	@Test
	void aHitOfACatalogPageNeverReachesTheWebFluxFiltersWhileItsMissDoes() {
		String page = "/catalog?category=" + this.category + "&limit=3";
		get(page, null, "catalog; fwd=miss; stored");
		assertThat(this.seen.count(page)).as("WebFlux filters passed by the miss").isEqualTo(1);

		for (int i = 0; i < 3; i++) {
			get(page, null, "catalog; hit");
		}
		assertThat(this.seen.count(page)).as("WebFlux filters passed by the miss and three hits").isEqualTo(1);

		// The filter does see hits that must go the full way: credentials Spring Security
		// has not checked yet. Once they passed, it would accept them again unchecked.
		get(page, "alice", "catalog; hit");
		assertThat(this.seen.count(page)).as("WebFlux filters passed once more by a hit with new credentials")
			.isEqualTo(2);
		get(page, "alice", "catalog; hit");
		assertThat(this.seen.count(page)).as("not by a hit with the same credentials again").isEqualTo(2);
		this.client.get()
			.uri(uri(page))
			.headers((headers) -> headers.setBasicAuth("alice", "not-alice-secret"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		assertThat(this.seen.count(page)).as("a wrong password is checked by the chain, and refused").isEqualTo(3);
	}

	@Test
	void aHitOfAnItemNeverReachesTheWebFluxFiltersWhileItsMissDoes() {
		String item = "/catalog/items/" + this.id;
		get(item, null, "catalog; fwd=miss; stored");
		get(item, null, "catalog; hit");
		get(item, null, "catalog; hit");
		assertThat(this.seen.count(item)).as("WebFlux filters passed by a miss and two hits of %s", item).isEqualTo(1);
	}

	private void get(String pathAndQuery, String user, String expectedCacheStatus) {
		this.client.get().uri(uri(pathAndQuery)).headers((headers) -> {
			if (user != null) {
				headers.setBasicAuth(user, user + "-secret");
			}
		})
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo(expectedCacheStatus));
	}

	private URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + this.port + pathAndQuery);
	}

}
