package com.example.catalog.system;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a token's claims become roles, for the shapes providers issue them in.
 */
class JwtAuthoritiesTest {

	private final JwtAuthorities defaults = new JwtAuthorities("roles", "catalog:write");

	@Test
	void rolesFromAListOrASpaceSeparatedStringAnyCase() {
		assertThat(roles(this.defaults, (claims) -> claims.put("roles", List.of("editor", "OPS"))))
			.containsExactlyInAnyOrder("ROLE_EDITOR", "ROLE_OPS");
		assertThat(roles(this.defaults, (claims) -> claims.put("roles", "user  ops")))
			.containsExactlyInAnyOrder("ROLE_USER", "ROLE_OPS");
	}

	@Test
	void theWriteScopeIsTheEditorRoleInScopeOrScp() {
		assertThat(roles(this.defaults, (claims) -> claims.put("scope", "openid catalog:write")))
			.containsExactly("ROLE_EDITOR");
		assertThat(roles(this.defaults, (claims) -> claims.put("scp", List.of("catalog:write"))))
			.containsExactly("ROLE_EDITOR");
		assertThat(roles(this.defaults, (claims) -> claims.put("scope", "openid catalog:read catalog:writes")))
			.isEmpty();
	}

	@Test
	void aNestedClaimIsFollowedByItsDottedName() {
		JwtAuthorities keycloak = new JwtAuthorities("realm_access.roles", "catalog:write");
		assertThat(roles(keycloak, (claims) -> claims.put("realm_access", Map.of("roles", List.of("EDITOR")))))
			.containsExactly("ROLE_EDITOR");
		assertThat(roles(keycloak, (claims) -> claims.put("realm_access", "not an object"))).isEmpty();
	}

	@Test
	void aClaimWhoseNameHoldsDotsIsReadByItsExactName() {
		JwtAuthorities auth0 = new JwtAuthorities("https://catalog.example.com/roles", "catalog:write");
		assertThat(roles(auth0, (claims) -> claims.put("https://catalog.example.com/roles", List.of("OPS"))))
			.containsExactly("ROLE_OPS");
	}

	@Test
	void theNameIsTheSubject() {
		StepVerifier.create(this.defaults.convert(jwt((claims) -> claims.put("roles", List.of("USER")))))
			.assertNext((authentication) -> assertThat(authentication.getName()).isEqualTo("subject-1"))
			.verifyComplete();
	}

	private static List<String> roles(JwtAuthorities authorities, Consumer<Map<String, Object>> claims) {
		return authorities.authorities(jwt(claims)).stream().map(GrantedAuthority::getAuthority).toList();
	}

	private static Jwt jwt(Consumer<Map<String, Object>> claims) {
		return Jwt.withTokenValue("token")
			.header("alg", "RS256")
			.subject("subject-1")
			.issuedAt(Instant.now())
			.expiresAt(Instant.now().plusSeconds(60))
			.claims(claims)
			.build();
	}

}
