package com.example.catalog.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-client limits on what reaches the database: each client's bucket holds 3 tokens and
 * refills one every 5 s, so a fourth miss or write in a row is a 429, while hits go on.
 * Each test is a client of its own, by the address in {@code X-Forwarded-For} (trusted
 * here through {@code server.forward-headers-strategy=framework}) or by its account.
 */
@IntegrationTest
@TestPropertySource(properties = { "catalog.limits.loads-per-second=0.2", "catalog.limits.burst=3",
		"server.forward-headers-strategy=framework", "catalog.security.users.writer.password={noop}writer-secret",
		"catalog.security.users.writer.roles=EDITOR" })
class ClientLimitsIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	MeterRegistry meters;

	@Test
	void missesPastTheBurstAre429WithRetryAfterAndRateLimitHeadersWhileHitsGoOn() {
		String address = newAddress();
		String category = "limits-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < 3; i++) {
			page(address, category, i).expectStatus().isOk();
		}
		double loadsBefore = this.meters.get("catalog.cache.loads").counter().count();
		page(address, category, 3).expectStatus()
			.isEqualTo(429)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.value(HttpHeaders.RETRY_AFTER, (seconds) -> assertThat(Integer.parseInt(seconds)).isBetween(1, 5))
			.expectHeader()
			.valueEquals("RateLimit-Policy", "\"loads\";q=3;w=15")
			.expectHeader()
			.valueMatches("RateLimit", "\"loads\";r=0;t=[1-5]")
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(429);
		assertThat(this.meters.get("catalog.cache.loads").counter().count())
			.as("database loads counted for the refused miss")
			.isEqualTo(loadsBefore);
		// a page loaded before is a hit, which costs the database nothing
		for (int i = 0; i < 5; i++) {
			page(address, category, 0).expectStatus()
				.isOk()
				.expectHeader()
				.value("Cache-Status",
						(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
		}
	}

	@Test
	void eachClientHasABucketOfItsOwn() {
		String first = newAddress();
		String category = "limits-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < 3; i++) {
			page(first, category, i).expectStatus().isOk();
		}
		page(first, category, 3).expectStatus().isEqualTo(429);
		page(newAddress(), category, 4).expectStatus().isOk();
		// an authenticated client is its principal, whatever its address
		this.client.get()
			.uri("/catalog?category=" + category + "&limit=6")
			.header("X-Forwarded-For", first)
			.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isOk();
	}

	@Test
	void writesCostTokensToo() {
		String address = newAddress();
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			statuses.add(this.client.post()
				.uri("/catalog/items")
				.header("X-Forwarded-For", address)
				.headers((headers) -> headers.setBasicAuth("writer", "writer-secret"))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("sku", "LIM-" + UUID.randomUUID(), "name", "Limited", "category", "limits",
						"priceCents", 100))
				.exchange()
				.returnResult(Void.class)
				.getStatus()
				.value());
		}
		// 201, or a 503 when Redis is slow to confirm the invalidation on a loaded
		// machine: either way the write reached the database and took its token
		assertThat(statuses.subList(0, 3)).as("writes within the burst")
			.allSatisfy((status) -> assertThat(status).isIn(201, 503));
		assertThat(statuses.get(3)).as("the write past it").isEqualTo(429);
	}

	private WebTestClient.ResponseSpec page(String address, String category, int variant) {
		return this.client.get()
			.uri("/catalog?category=" + category + "&limit=" + (variant + 1))
			.header("X-Forwarded-For", address)
			.exchange();
	}

	private static String newAddress() {
		UUID random = UUID.randomUUID();
		return "10." + Math.floorMod(random.getMostSignificantBits(), 250) + "."
				+ Math.floorMod(random.getLeastSignificantBits(), 250) + "."
				+ (1 + Math.floorMod(random.hashCode(), 250));
	}

}
