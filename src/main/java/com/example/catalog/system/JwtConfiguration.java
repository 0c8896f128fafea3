package com.example.catalog.system;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Bearer tokens from the identity provider named by
 * {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} (its JWK set found through
 * OpenID discovery) or {@code .jwk-set-uri}, or signed by the RSA key at
 * {@code .public-key-location} (a demo without a provider, see
 * {@code scripts/mint-token.sh}). Without any of them there is no decoder, and
 * {@link SecurityConfiguration} accepts no bearer token.
 * <p>
 * The decoder is Spring Security's reactive Nimbus decoder: discovery and the JWK set are
 * fetched with a {@code WebClient}, never blocking an event loop; the set is cached and
 * fetched again when a token names a key id it does not hold, so a provider can rotate
 * its keys without a restart, but not more often than
 * {@code catalog.security.jwt.jwks-refetch-cooldown} allows
 * ({@link ProviderFetchCooldown}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OAuth2ResourceServerProperties.class)
class JwtConfiguration {

	/**
	 * What providers sign access tokens with: RSA (Keycloak, Auth0, Entra ID) and P-256
	 * ECDSA. Every other algorithm, {@code none} and the HMAC ones among them, is
	 * refused.
	 */
	private static final List<SignatureAlgorithm> ALGORITHMS = List.of(SignatureAlgorithm.RS256,
			SignatureAlgorithm.ES256);

	/** Valid tokens remembered (a few hundred bytes each) to skip checking them again. */
	private static final long REMEMBERED_TOKENS = 10_000;

	@Bean
	@Conditional(IdentityProvider.class)
	RememberingJwtDecoder jwtDecoder(OAuth2ResourceServerProperties resourceServer, SecurityProperties security,
			Clock clock) throws IOException, GeneralSecurityException {
		OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
		String issuer = jwt.getIssuerUri();
		NimbusReactiveJwtDecoder decoder;
		if (StringUtils.hasText(jwt.getJwkSetUri()) || jwt.getPublicKeyLocation() == null) {
			NimbusReactiveJwtDecoder.JwkSetUriReactiveJwtDecoderBuilder builder = StringUtils
				.hasText(jwt.getJwkSetUri()) ? NimbusReactiveJwtDecoder.withJwkSetUri(jwt.getJwkSetUri())
						: NimbusReactiveJwtDecoder.withIssuerLocation(issuer);
			WebClient provider = WebClient.builder()
				.filter(new ProviderFetchCooldown(security.jwt().jwksRefetchCooldown(), clock))
				.build();
			decoder = builder.jwsAlgorithms((algorithms) -> {
				algorithms.clear();
				algorithms.addAll(ALGORITHMS);
			}).webClient(provider).build();
		}
		else {
			decoder = NimbusReactiveJwtDecoder.withPublicKey(publicKey(jwt.readPublicKey())).build();
		}
		decoder.setJwtValidator(validator(issuer, security.jwt().audience()));
		// Nimbus's decoder fails with an IllegalStateException when the provider's keys
		// cannot be fetched; as a JwtException (not a BadJwtException) it becomes the
		// service's failure (a 503), not the token's (a 401) nor an unexpected 500.
		ReactiveJwtDecoder checking = (token) -> decoder.decode(token)
			.onErrorMap((ex) -> !(ex instanceof JwtException),
					(ex) -> new JwtException("The identity provider's keys could not be fetched", ex));
		return new RememberingJwtDecoder(checking, clock, REMEMBERED_TOKENS);
	}

	/**
	 * Lets the near-hit handler answer a public route's hit for a bearer token this
	 * instance has already checked, as fast as an anonymous one.
	 */
	@Bean
	@Conditional(IdentityProvider.class)
	RememberedBearerTokens rememberedBearerTokens(RememberingJwtDecoder jwtDecoder) {
		return new RememberedBearerTokens(jwtDecoder);
	}

	/** An X.509 {@code PUBLIC KEY} PEM, as {@code openssl pkey -pubout} writes it. */
	static RSAPublicKey publicKey(String pem) throws GeneralSecurityException {
		String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		return (RSAPublicKey) KeyFactory.getInstance("RSA")
			.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
	}

	/**
	 * {@code exp} and {@code nbf} always; {@code iss} and {@code aud} when configured.
	 */
	static OAuth2TokenValidator<Jwt> validator(String issuer, String audience) {
		List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
		validators.add(new JwtTimestampValidator());
		if (StringUtils.hasText(issuer)) {
			validators.add(new JwtIssuerValidator(issuer));
		}
		if (StringUtils.hasText(audience)) {
			validators.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
					(audiences) -> audiences != null && audiences.contains(audience)));
		}
		return new DelegatingOAuth2TokenValidator<>(validators);
	}

	@Bean
	@Conditional(IdentityProvider.class)
	JwtAuthorities jwtAuthorities(SecurityProperties security) {
		return new JwtAuthorities(security.jwt().rolesClaim(), security.jwt().writeScope());
	}

	/** A provider's issuer URI, JWK set URI or public key is configured. */
	static final class IdentityProvider extends AnyNestedCondition {

		IdentityProvider() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnProperty("spring.security.oauth2.resourceserver.jwt.issuer-uri")
		static final class Issuer {

		}

		@ConditionalOnProperty("spring.security.oauth2.resourceserver.jwt.jwk-set-uri")
		static final class JwkSetUri {

		}

		@ConditionalOnProperty("spring.security.oauth2.resourceserver.jwt.public-key-location")
		static final class PublicKey {

		}

	}

}
