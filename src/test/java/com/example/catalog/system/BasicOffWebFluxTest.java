package com.example.catalog.system;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import com.example.catalog.cache.ResponseCache;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * With {@code catalog.security.basic-enabled=false} only bearer tokens are accepted: the
 * accounts of {@code catalog.security.users} no longer sign in, and the challenge offers
 * only {@code Bearer}.
 */
@WebFluxTest(properties = { "catalog.security.basic-enabled=false",
		"catalog.security.users.alice.password={noop}alice-secret", "catalog.security.users.alice.roles=USER",
		// never fetched: no test here presents a token
		"spring.security.oauth2.resourceserver.jwt.jwk-set-uri=http://127.0.0.1:9/jwks" })
@Import({ SecurityConfiguration.class, JwtConfiguration.class, ClientLimits.class,
		SecurityWebFluxTest.PackagePrivateCollaborators.class, SimpleMeterRegistry.class })
@EnableConfigurationProperties(SecurityProperties.class)
class BasicOffWebFluxTest {

	@Autowired
	WebTestClient client;

	@MockitoBean
	ResponseCache cache;

	@Test
	void basicCredentialsNoLongerSignInAndOnlyBearerIsOffered() {
		this.client.get()
			.uri("/me/favorites")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"catalog\"");
	}

}
