package com.example.catalog.system;

import java.io.IOException;
import java.net.Socket;
import java.time.Clock;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.example.catalog.cache.ResponseCache;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * With {@code catalog.security.basic-enabled=false} only bearer tokens are accepted: the
 * accounts of {@code catalog.security.users} no longer sign in, and the challenge offers
 * only {@code Bearer}.
 */
@WebFluxTest(properties = { "catalog.security.basic-enabled=false",
		"catalog.security.users.alice.password={noop}alice-secret", "catalog.security.users.alice.roles=USER",
		// nothing listens there: the keys cannot be fetched
		"spring.security.oauth2.resourceserver.jwt.jwk-set-uri=http://127.0.0.1:9/jwks" })
@Import({ SecurityConfiguration.class, JwtConfiguration.class, ClientLimits.class,
		SecurityWebFluxTest.PackagePrivateCollaborators.class, SimpleMeterRegistry.class,
		BasicOffWebFluxTest.SystemClock.class })
@EnableConfigurationProperties(SecurityProperties.class)
class BasicOffWebFluxTest {

	@Autowired
	WebTestClient client;

	@MockitoBean
	ResponseCache cache;

	/**
	 * The JVM's first client socket loads {@code net.properties}, once; in the
	 * application Lettuce and R2DBC open theirs at start-up, but here the key fetch would
	 * be the first, on an event loop.
	 */
	@BeforeAll
	static void firstClientSocket() throws IOException {
		new Socket().close();
	}

	/**
	 * The provider's keys being out of reach is the service's trouble, not a bad token: a
	 * 503 to retry, not a 401 (nor the 500 Spring Security would answer).
	 */
	@Test
	void aTokenThatCannotBeCheckedForWantOfTheProvidersKeysIsA503() throws Exception {
		RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
				new JWTClaimsSet.Builder().subject("someone").build());
		jwt.sign(new RSASSASigner(key));
		this.client.get()
			.uri("/catalog")
			.headers((headers) -> headers.setBearerAuth(jwt.serialize()))
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectHeader()
			.exists(HttpHeaders.RETRY_AFTER)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
	}

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

	/**
	 * The clock the application's cache configuration would provide (the JWK set cooldown
	 * reads it).
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class SystemClock {

		@Bean
		Clock clock() {
			return Clock.systemUTC();
		}

	}

}
