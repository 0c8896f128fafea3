package com.example.catalog.system;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.prometheus.metrics.tracer.common.SpanContext;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /actuator/prometheus} has every series the contract ("Observability") and the
 * README ("Operations") name, and a miss and a hit count where they say.
 */
@IntegrationTest
class MetricsContractIntegrationTest {

	@Autowired
	WebTestClient client;

	@Test
	void withoutTracesExportedThePrometheusRegistryIsGivenNoExemplarSampler(
			@Autowired ObjectProvider<SpanContext> exemplars) {
		// Spring Boot's exemplar configuration would give it one (application.yaml
		// excludes it).
		assertThat(exemplars.getIfAvailable()).isNull();
	}

	@Test
	void aMissAndAHitShowInEverySeriesTheContractNames() {
		String category = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
		this.client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("sku", category + "-1", "name", "Metered", "category", category, "priceCents", 100))
			.exchange()
			.expectStatus()
			.isCreated();
		String page = "/catalog?category=" + category;
		PrometheusScrape before = PrometheusScrape.of(this.client);
		get(page, "catalog; fwd=miss; stored");
		get(page, "catalog; hit");

		// Counters and the request timer are recorded as the responses complete:
		// give them a moment.
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			PrometheusScrape after = PrometheusScrape.of(this.client);
			SoftAssertions softly = new SoftAssertions();
			for (String result : new String[] { "hit", "miss", "stale", "bypass" }) {
				softly.assertThat(after.find("catalog_cache_requests_total", "result", result))
					.as("catalog_cache_requests_total{result=\"%s\"}", result)
					.hasSize(1);
			}
			for (String state : new String[] { "closed", "open", "half_open" }) {
				softly.assertThat(after.find("catalog_cache_redis_breaker_state", "state", state))
					.as("catalog_cache_redis_breaker_state{state=\"%s\"}", state)
					.hasSize(1);
			}
			softly.assertThat(after.value("catalog_cache_redis_breaker_state", "state", "closed"))
				.as("breaker closed")
				.isEqualTo(1);
			for (String name : new String[] { "catalog_cache_loads_total", "catalog_cache_errors_total",
					"catalog_cache_lease_waits_total" }) {
				softly.assertThat(after.find(name)).as(name).hasSize(1);
			}
			softly.assertThat(delta(before, after, "catalog_cache_requests_total", "result", "miss"))
				.as("misses")
				.isEqualTo(1);
			softly.assertThat(delta(before, after, "catalog_cache_requests_total", "result", "hit"))
				.as("hits")
				.isEqualTo(1);
			softly.assertThat(delta(before, after, "catalog_cache_requests_total", "result", "stale"))
				.as("stale")
				.isZero();
			softly.assertThat(delta(before, after, "catalog_cache_requests_total", "result", "bypass"))
				.as("bypasses")
				.isZero();
			softly.assertThat(delta(before, after, "catalog_cache_loads_total")).as("loads").isEqualTo(1);
			softly.assertThat(delta(before, after, "catalog_cache_errors_total")).as("errors").isZero();
			// "plus the usual JVM, HTTP server, R2DBC pool and Lettuce metrics"
			softly
				.assertThat(delta(before, after, "http_server_requests_seconds_count", "method", "GET", "uri",
						"/catalog", "status", "200"))
				.as("GET /catalog timed, the hit too")
				.isEqualTo(2);
			for (String prefix : new String[] { "jvm_memory_used_bytes", "r2dbc_pool_acquired_connections",
					"lettuce_" }) {
				softly.assertThat(after.hasNameStartingWith(prefix)).as("a series named %s…", prefix).isTrue();
			}
			softly.assertAll();
		});
	}

	private static double delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
		return after.value(name, labels) - before.value(name, labels);
	}

	private void get(String url, String cacheStatus) {
		this.client.get()
			.uri(url)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo(cacheStatus));
	}

}
