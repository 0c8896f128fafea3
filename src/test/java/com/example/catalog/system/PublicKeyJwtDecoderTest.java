package com.example.catalog.system;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo set-up of {@code scripts/mint-token.sh}: the service trusts the RSA public key
 * at {@code public-key-location}, in the PEM form {@code openssl pkey -pubout} writes,
 * and checks {@code iss} and {@code aud} when they are configured.
 */
class PublicKeyJwtDecoderTest {

	@Test
	void aTokenSignedByThePrivateHalfIsAcceptedAndAnyOtherRefused() throws Exception {
		RSAKey key = new RSAKeyGenerator(2048).generate();
		ReactiveJwtDecoder decoder = decoder(key, "demo-idp", "catalog-api");

		StepVerifier.create(decoder.decode(token(key, "demo-idp", "catalog-api")))
			.assertNext((jwt) -> assertThat(jwt.getClaimAsStringList("roles")).containsExactly("EDITOR"))
			.verifyComplete();
		StepVerifier.create(decoder.decode(token(new RSAKeyGenerator(2048).generate(), "demo-idp", "catalog-api")))
			.verifyError(BadJwtException.class);
		StepVerifier.create(decoder.decode(token(key, "another-idp", "catalog-api")))
			.verifyError(BadJwtException.class);
		StepVerifier.create(decoder.decode(token(key, "demo-idp", "another-api"))).verifyError(BadJwtException.class);
	}

	private static ReactiveJwtDecoder decoder(RSAKey key, String issuer, String audience) throws Exception {
		String pem = "-----BEGIN PUBLIC KEY-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
					.encodeToString(key.toRSAPublicKey().getEncoded())
				+ "\n-----END PUBLIC KEY-----\n";
		OAuth2ResourceServerProperties properties = new OAuth2ResourceServerProperties();
		properties.getJwt().setPublicKeyLocation(new ByteArrayResource(pem.getBytes(StandardCharsets.US_ASCII)));
		properties.getJwt().setIssuerUri(issuer);
		return new JwtConfiguration().jwtDecoder(properties,
				new SecurityProperties(Map.of(), true,
						new SecurityProperties.Jwt("roles", audience, "catalog:write", Duration.ofSeconds(5))),
				Clock.systemUTC());
	}

	private static String token(RSAKey key, String issuer, String audience) throws Exception {
		SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256),
				new JWTClaimsSet.Builder().issuer(issuer)
					.subject("demo")
					.audience(audience)
					.expirationTime(new Date(System.currentTimeMillis() + 60_000))
					.claim("roles", List.of("EDITOR"))
					.build());
		jwt.sign(new RSASSASigner(key));
		return jwt.serialize();
	}

}
