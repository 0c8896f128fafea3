package com.example.catalog.system;

import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.IntegrationTest;
import com.example.catalog.RequestsSeenByWebFlux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose refusal is remembered is refused in front of WebFlux, with the very
 * response WebFlux gave it, while its hits go on and other clients still load. The client
 * is named by the request alone: the address Reactor Netty takes from
 * {@code X-Forwarded-For} ({@code server.forward-headers-strategy=native}), or the
 * subject of a bearer token checked before ({@link TestIdentityProvider}). Each bucket
 * holds one token.
 */
@IntegrationTest
@Import(RequestsSeenByWebFlux.CountingFilter.class)
@TestPropertySource(properties = { "catalog.limits.loads-per-second=0.2", "catalog.limits.burst=1",
		"server.forward-headers-strategy=native" })
class KnownRefusalsIntegrationTest {

	private static final TestIdentityProvider provider = TestIdentityProvider.start();

	@Autowired
	WebTestClient client;

	@Autowired
	RequestsSeenByWebFlux seen;

	@DynamicPropertySource
	static void identityProvider(DynamicPropertyRegistry registry) {
		registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", provider::issuer);
		registry.add("catalog.security.jwt.audience", () -> TestIdentityProvider.AUDIENCE);
	}

	@AfterAll
	static void stopProvider() {
		provider.close();
	}

	@Test
	void aClientByItsAddressKnownRefusedIsRefusedInFrontOfWebFluxAsWebFluxRefusedIt() {
		String address = "203.0.113." + (1 + (UUID.randomUUID().hashCode() & 0x7f));
		refusedInFrontAsByWebFlux((headers) -> headers.set("X-Forwarded-For", address),
				(headers) -> headers.set("X-Forwarded-For", "198.51.100.7"));
	}

	@Test
	void aClientByItsTokenKnownRefusedIsRefusedInFrontOfWebFluxAsWebFluxRefusedIt() {
		String token = provider.token("reader-" + UUID.randomUUID(), "USER");
		String another = provider.token("reader-" + UUID.randomUUID(), "USER");
		refusedInFrontAsByWebFlux((headers) -> headers.setBearerAuth(token),
				(headers) -> headers.setBearerAuth(another));
	}

	@Test
	void aClientByItsBasicLoginKnownRefusedIsRefusedInFrontOfWebFluxAsWebFluxRefusedIt() {
		refusedInFrontAsByWebFlux((headers) -> headers.setBasicAuth("alice", "alice-secret"),
				(headers) -> headers.setBasicAuth("bob", "bob-secret"));
	}

	/**
	 * Spends the client's one token on a page, has WebFlux refuse it (Redis's refusal,
	 * then remembered), then the handler in front, and compares the two answers; the
	 * loaded page is still a hit for the client, and another client still loads.
	 */
	private void refusedInFrontAsByWebFlux(Consumer<HttpHeaders> client, Consumer<HttpHeaders> anotherClient) {
		String category = "refused-" + UUID.randomUUID().toString().substring(0, 8);
		String loaded = page(category, 1);
		get(client, loaded).expectStatus().isOk();

		String refusedByWebFlux = page(category, 2);
		EntityExchangeResult<String> first = get(client, refusedByWebFlux).expectStatus()
			.isEqualTo(429)
			.expectBody(String.class)
			.returnResult();
		assertThat(this.seen.count(refusedByWebFlux)).as("the first refusal, Redis's, went through WebFlux")
			.isEqualTo(1);

		String refusedInFront = page(category, 3);
		EntityExchangeResult<String> second = get(client, refusedInFront).expectStatus()
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

		get(client, loaded).expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
		get(anotherClient, page(category, 4)).expectStatus().isOk();
	}

	private static String page(String category, int limit) {
		return "/catalog?category=" + category + "&limit=" + limit;
	}

	private WebTestClient.ResponseSpec get(Consumer<HttpHeaders> client, String pathAndQuery) {
		return this.client.get().uri(pathAndQuery).headers(client).exchange();
	}

	private static String withoutSeconds(String body) {
		return body.replaceAll("\\d+ s", "N s");
	}

}
