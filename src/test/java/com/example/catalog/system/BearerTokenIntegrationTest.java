package com.example.catalog.system;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.IntegrationTest;
import com.example.catalog.RequestsSeenByWebFlux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.convention.TestBean;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bearer tokens beside HTTP Basic, end to end: the application finds the provider's keys
 * through OpenID discovery at the issuer URI, a local HTTP server of the test
 * ({@link TestIdentityProvider}), and checks signature, {@code exp}, {@code nbf},
 * {@code iss} and {@code aud}.
 */
@IntegrationTest
@Import(RequestsSeenByWebFlux.CountingFilter.class)
class BearerTokenIntegrationTest {

	private static final TestIdentityProvider provider = TestIdentityProvider.start();

	private static final String INVALID_TOKEN = "Bearer error=\"invalid_token\"";

	private static final int FLOOD = 50;

	private static final SteppingClock steppingClock = new SteppingClock();

	@Autowired
	WebTestClient client;

	@LocalServerPort
	int port;

	@Autowired
	SecurityProperties security;

	@Autowired
	RequestsSeenByWebFlux seen;

	/**
	 * The application's clock, moved on by the tests past the JWK set's refetch cooldown.
	 */
	@TestBean
	Clock clock;

	@DynamicPropertySource
	static void identityProvider(DynamicPropertyRegistry registry) {
		registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", provider::issuer);
		registry.add("catalog.security.jwt.audience", () -> TestIdentityProvider.AUDIENCE);
	}

	@AfterAll
	static void stopProvider() {
		provider.close();
	}

	static Clock clock() {
		return steppingClock;
	}

	private Duration cooldown() {
		return this.security.jwt().jwksRefetchCooldown();
	}

	@Test
	void editorTokenCreatesAnItem() {
		create(provider.token("editor-" + UUID.randomUUID(), "EDITOR")).expectStatus().isCreated();
	}

	@Test
	void writeScopeCountsAsTheEditorRoleAndEs256IsAccepted() {
		String token = provider.es256(
				provider.claims("scoped-" + UUID.randomUUID()).claim("scope", "openid profile catalog:write").build());
		create(token).expectStatus().isCreated();
	}

	@Test
	void readerTokenMayKeepFavouritesButNotChangeTheCatalog() {
		String reader = provider.token("reader-" + UUID.randomUUID(), "USER");
		create(reader).expectStatus()
			.isForbidden()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"")
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		get("/me/favorites", reader).expectStatus().isOk();
	}

	@Test
	void expiredTokenIsInvalid() {
		assertInvalid(provider.token("expired",
				(claims) -> claims.expirationTime(ago(600))
					.notBeforeTime(ago(900))
					.issueTime(ago(900))
					.claim("roles", List.of("EDITOR"))));
	}

	@Test
	void tokenNotValidYetIsInvalid() {
		assertInvalid(provider.token("early", (claims) -> claims.notBeforeTime(ago(-600))));
	}

	@Test
	void tokenOfAnotherIssuerIsInvalid() {
		assertInvalid(provider.token("elsewhere",
				(claims) -> claims.issuer("http://127.0.0.1:1/realms/other").claim("roles", List.of("EDITOR"))));
	}

	@Test
	void tokenForAnotherAudienceIsInvalid() {
		assertInvalid(provider.token("other-audience", (claims) -> claims.audience("another-api")));
		assertInvalid(provider.token("no-audience", (claims) -> claims.audience((String) null)));
	}

	@Test
	void tokenWithABadSignatureIsInvalid() {
		assertInvalid(provider.forged(provider.claims("forger").claim("roles", List.of("EDITOR")).build()));
		String token = provider.token("tampered", "USER");
		String[] parts = token.split("\\.");
		String editorClaims = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(provider.claims("tampered")
				.claim("roles", List.of("EDITOR"))
				.build()
				.toString()
				.getBytes(StandardCharsets.UTF_8));
		assertInvalid(parts[0] + "." + editorClaims + "." + parts[2]);
	}

	@Test
	void unsignedTokenIsInvalid() {
		assertInvalid(
				TestIdentityProvider.unsigned(provider.claims("nobody").claim("roles", List.of("EDITOR")).build()));
	}

	@Test
	void malformedTokenIsInvalid() {
		assertInvalid("not-a-jwt");
		assertInvalid("a.b.c");
	}

	@Test
	void aRotatedKeyIsFetchedWithoutARestart() {
		String subject = "rotation-" + UUID.randomUUID();
		get("/me/favorites", provider.token(subject, "USER")).expectStatus().isOk();
		// a while after the last fetch, the first
		// token with the new key has the set fetched
		steppingClock.skip(cooldown());
		int fetches = provider.jwkSetFetches();
		provider.rotate();
		get("/me/favorites", provider.token(subject, "USER")).expectStatus().isOk();
		assertThat(provider.jwkSetFetches()).as("JWK set fetched again for the new key id").isEqualTo(fetches + 1);
		get("/me/favorites", provider.token(subject, "USER")).expectStatus().isOk();
		assertThat(provider.jwkSetFetches()).as("the new key is cached").isEqualTo(fetches + 1);
	}

	/**
	 * Made-up tokens naming key ids the provider never had must not each send the service
	 * to the provider for its keys (before the cooldown, 50 such tokens at once cost 50
	 * fetches, 98 when the set was not cached yet). A key the provider starts signing
	 * with meanwhile is found once the cooldown has passed.
	 */
	@Test
	void aFloodOfUnknownKeyIdsFetchesTheKeySetAtMostOnceAndARotatedKeyIsFoundAfterTheCooldown() {
		List<String> tokens = IntStream.range(0, FLOOD)
			.mapToObj((i) -> provider.withUnknownKeyId(provider.claims("flood-" + i).build()))
			.toList();
		// A connection per request, so that all of them are in flight at once.
		WebClient concurrent = WebClient.builder()
			.clientConnector(new ReactorClientHttpConnector(HttpClient.newConnection()))
			.baseUrl("http://127.0.0.1:" + this.port)
			.build();
		// The cooldown is the application's clock's: a slow machine must not let it pass
		// between the flood and the rotated key's first token.
		steppingClock.freeze();
		try {
			assertAFloodFetchesOnceAndARotatedKeyIsFoundAfterTheCooldown(tokens, concurrent);
		}
		finally {
			steppingClock.thaw();
		}
	}

	private void assertAFloodFetchesOnceAndARotatedKeyIsFoundAfterTheCooldown(List<String> tokens,
			WebClient concurrent) {
		steppingClock.skip(cooldown());
		int fetches = provider.jwkSetFetches();
		Mono<List<String>> challenges = Flux.fromIterable(tokens)
			.flatMap((token) -> concurrent.get()
				.uri("/me/favorites")
				.headers((headers) -> headers.setBearerAuth(token))
				.exchangeToMono((response) -> Mono.just(response.statusCode().value() + " "
						+ response.headers().asHttpHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))),
					FLOOD)
			.collectList();
		StepVerifier.create(challenges)
			.assertNext((answers) -> assertThat(answers).hasSize(FLOOD)
				.allSatisfy((answer) -> assertThat(answer).startsWith("401 " + INVALID_TOKEN)))
			.verifyComplete();
		assertThat(provider.jwkSetFetches() - fetches).as("JWK set fetches for %d unknown key ids", FLOOD)
			.isLessThanOrEqualTo(1);
		fetches = provider.jwkSetFetches();
		provider.rotate();
		String subject = "rotation-" + UUID.randomUUID();
		get("/me/favorites", provider.token(subject, "USER")).expectStatus().isUnauthorized();
		assertThat(provider.jwkSetFetches()).as("JWK set fetches within the cooldown").isEqualTo(fetches);
		steppingClock.skip(cooldown());
		get("/me/favorites", provider.token(subject, "USER")).expectStatus().isOk();
		assertThat(provider.jwkSetFetches()).as("JWK set fetched again for the new key id").isEqualTo(fetches + 1);
	}

	@Test
	void favouritesAreKeptPerSubject() {
		String itemPath = this.client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(item())
			.exchange()
			.expectStatus()
			.isCreated()
			.returnResult(Void.class)
			.getResponseHeaders()
			.getLocation()
			.getPath();
		String itemId = itemPath.substring(itemPath.lastIndexOf('/') + 1);
		String alice = "alice-" + UUID.randomUUID();
		String bob = "bob-" + UUID.randomUUID();
		get("/me/favorites", provider.token(bob, "USER")).expectStatus().isOk();
		this.client.put()
			.uri("/me/favorites/" + itemId)
			.headers((headers) -> headers.setBearerAuth(provider.token(alice, "USER")))
			.exchange()
			.expectStatus()
			.isNoContent();
		get("/me/favorites", provider.token(alice)).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.items[*].id")
			.value((ids) -> assertThat(ids.toString()).contains(itemId));
		get("/me/favorites", provider.token(bob, "USER")).expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"))
			.expectBody()
			.jsonPath("$.items")
			.isEmpty();
	}

	/**
	 * Anonymous hits of a public page are answered before Spring Security; a request with
	 * a bad token for the same page must still be refused.
	 */
	@Test
	void invalidTokenOnACachedPublicPageIsRefusedWhileAValidOneIsServed() {
		String page = "/catalog?category=bearer-" + UUID.randomUUID().toString().substring(0, 8);
		get(page, null).expectStatus().isOk();
		get(page, null).expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
		get(page, provider.forged(provider.claims("forger").build())).expectStatus()
			.isUnauthorized()
			.expectHeader()
			.value(HttpHeaders.WWW_AUTHENTICATE, (value) -> assertThat(value).startsWith(INVALID_TOKEN));
		get(page, provider.token("reader", "USER")).expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
	}

	@Test
	void aTokenCheckedBeforeHasItsPublicHitsAnsweredInFrontOfWebFlux() {
		String page = "/catalog?category=remembered-" + UUID.randomUUID().toString().substring(0, 8);
		String token = provider.token("remembered-reader",
				(claims) -> claims.expirationTime(Date.from(Instant.now().plus(Duration.ofDays(1))))
					.claim("roles", List.of("USER")));
		get(page, token).expectStatus().isOk();
		assertThat(this.seen.count(page)).as("the miss, and the token's first check, went through WebFlux")
			.isEqualTo(1);
		for (int i = 0; i < 3; i++) {
			get(page, token).expectStatus()
				.isOk()
				.expectHeader()
				.value("Cache-Status",
						(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
		}
		assertThat(this.seen.count(page)).as("hits with the checked token did not").isEqualTo(1);
		get(page, provider.forged(provider.claims("forger").build())).expectStatus().isUnauthorized();
		assertThat(this.seen.count(page)).as("a token never checked did").isEqualTo(2);
	}

	@Test
	void aTokenThatExpiredSinceItWasCheckedGoesThroughWebFluxAgain() {
		String page = "/catalog?category=expiring-" + UUID.randomUUID().toString().substring(0, 8);
		String token = provider.token("expiring-reader",
				(claims) -> claims.expirationTime(Date.from(Instant.now().plusSeconds(60)))
					.claim("roles", List.of("USER")));
		get(page, token).expectStatus().isOk();
		get(page, token).expectStatus().isOk();
		assertThat(this.seen.count(page)).isEqualTo(1);
		// past the token's expiry by the application's clock, well within the page's TTL
		steppingClock.skip(Duration.ofMinutes(2));
		get(page, token).expectStatus()
			.isOk()
			.expectHeader()
			.value("Cache-Status",
					(value) -> assertThat(CacheStatusHeader.withoutTtlAndKey(value)).isEqualTo("catalog; hit"));
		assertThat(this.seen.count(page)).as("the expired token was checked again").isEqualTo(2);
	}

	@Test
	void withoutCredentialsBothSchemesAreOffered() {
		this.client.get()
			.uri("/me/favorites")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"catalog\"", "Bearer realm=\"catalog\"");
		this.client.get()
			.uri("/me/favorites")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk();
	}

	@Test
	void healthDetailsForAnOperatorToken() {
		get("/actuator/health", provider.token("operator", "OPS")).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components.cache.status")
			.exists();
		get("/actuator/health", provider.token("reader", "USER")).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components")
			.doesNotExist();
	}

	private void assertInvalid(String token) {
		for (WebTestClient.ResponseSpec response : List.of(create(token), get("/catalog/items/1", token))) {
			response.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.value(HttpHeaders.WWW_AUTHENTICATE, (value) -> assertThat(value).startsWith(INVALID_TOKEN))
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(401);
		}
	}

	private WebTestClient.ResponseSpec create(String token) {
		return this.client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBearerAuth(token))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(item())
			.exchange();
	}

	private WebTestClient.ResponseSpec get(String pathAndQuery, String token) {
		return this.client.get().uri(URI.create("http://127.0.0.1:" + this.port + pathAndQuery)).headers((headers) -> {
			if (token != null) {
				headers.setBearerAuth(token);
			}
		}).exchange();
	}

	private static Map<String, Object> item() {
		String sku = "JWT-" + UUID.randomUUID();
		return Map.of("sku", sku, "name", "Token " + sku, "category", "bearer", "priceCents", 100);
	}

	private static Date ago(long seconds) {
		return new Date(System.currentTimeMillis() - seconds * 1000);
	}

}
