package com.example.catalog.system;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code catalog.cache.enabled=false} every cacheable GET is served from the
 * database: {@code Cache-Status: catalog; fwd=bypass; detail=disabled}, one load per
 * request, counted as a bypass (the baseline the cache is compared against).
 */
@IntegrationTest
@TestPropertySource(properties = "catalog.cache.enabled=false")
class CacheDisabledIntegrationTest {

	private static final String DISABLED = "catalog; fwd=bypass; detail=disabled";

	@Autowired
	WebTestClient client;

	@Test
	void everyCacheableGetIsLoadedAndCountedAsABypass() {
		String category = "disabled-" + UUID.randomUUID().toString().substring(0, 8);
		Map<?, ?> created = Editor.createItem(this.client, category + "-1", "Uncached", category, 100);
		PrometheusScrape before = PrometheusScrape.of(this.client);
		for (String url : new String[] { "/catalog?category=" + category, "/catalog/items/" + created.get("id") }) {
			for (int i = 0; i < 2; i++) {
				this.client.get()
					.uri(url)
					.exchange()
					.expectStatus()
					.isOk()
					.expectHeader()
					.valueEquals("Cache-Status", DISABLED)
					.expectBody(String.class)
					.value((body) -> assertThat(body).contains("\"sku\":\"" + category + "-1\""));
			}
		}
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			PrometheusScrape after = PrometheusScrape.of(this.client);
			SoftAssertions softly = new SoftAssertions();
			softly.assertThat(delta(before, after, "catalog_cache_loads_total")).as("loads").isEqualTo(4);
			softly.assertThat(delta(before, after, "catalog_cache_requests_total", "result", "bypass"))
				.as("bypasses")
				.isEqualTo(4);
			for (String result : new String[] { "hit", "miss", "stale" }) {
				softly.assertThat(delta(before, after, "catalog_cache_requests_total", "result", result))
					.as(result)
					.isZero();
			}
			softly.assertAll();
		});
	}

	private static double delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
		return after.value(name, labels) - before.value(name, labels);
	}

}
