package com.example.catalog.system;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.IntegrationTest;
import com.example.catalog.RequestsSeenByWebFlux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose refusal is remembered is refused in front of WebFlux, with the very
 * response WebFlux gave it, while its hits go on. The client is the address Reactor Netty
 * takes from {@code X-Forwarded-For} ({@code server.forward-headers-strategy=native}), so
 * the near-hit handler sees it too; each bucket holds one token.
 */
@IntegrationTest
@Import(RequestsSeenByWebFlux.CountingFilter.class)
@TestPropertySource(properties = { "catalog.limits.loads-per-second=0.2", "catalog.limits.burst=1",
		"server.forward-headers-strategy=native" })
class KnownRefusalsIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	RequestsSeenByWebFlux seen;

	@Test
	void aClientKnownRefusedIsRefusedInFrontOfWebFluxAsWebFluxRefusedItWhileItsHitsGoOn() {
		String address = "203.0.113." + (1 + (UUID.randomUUID().hashCode() & 0x7f));
		String category = "refused-" + UUID.randomUUID().toString().substring(0, 8);
		String loaded = page(category, 1);
		get(address, loaded).expectStatus().isOk();

		String refusedByWebFlux = page(category, 2);
		EntityExchangeResult<String> first = get(address, refusedByWebFlux).expectStatus()
			.isEqualTo(429)
			.expectBody(String.class)
			.returnResult();
		assertThat(this.seen.count(refusedByWebFlux)).as("the first refusal, Redis's, went through WebFlux")
			.isEqualTo(1);

		String refusedInFront = page(category, 3);
		EntityExchangeResult<String> second = get(address, refusedInFront).expectStatus()
			.isEqualTo(429)
			.expectBody(String.class)
			.returnResult();
		assertThat(this.seen.count(refusedInFront)).as("the remembered refusal never reached WebFlux").isZero();

		assertThat(withoutSeconds(second.getResponseBody())).isEqualTo(withoutSeconds(first.getResponseBody()));
		HttpHeaders inFront = second.getResponseHeaders();
		HttpHeaders byWebFlux = first.getResponseHeaders();
		assertThat(inFront.headerNames()).containsExactlyInAnyOrderElementsOf(byWebFlux.headerNames());
		for (String name : byWebFlux.headerNames()) {
			if (!name.equalsIgnoreCase(HttpHeaders.RETRY_AFTER) && !name.equalsIgnoreCase("RateLimit")) {
				assertThat(inFront.get(name)).as(name).isEqualTo(byWebFlux.get(name));
			}
		}
		assertThat(inFront.getFirst(HttpHeaders.RETRY_AFTER)).matches("[1-5]");
		assertThat(inFront.getFirst("RateLimit")).matches("\"loads\";r=0;t=[1-5]");

		get(address, loaded).expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
		get("198.51.100.7", page(category, 4)).expectStatus().isOk();
	}

	private static String page(String category, int limit) {
		return "/catalog?category=" + category + "&limit=" + limit;
	}

	private WebTestClient.ResponseSpec get(String address, String pathAndQuery) {
		return this.client.get().uri(pathAndQuery).header("X-Forwarded-For", address).exchange();
	}

	private static String withoutSeconds(String body) {
		return body.replaceAll("\\d+ s", "N s");
	}

}
