package com.example.catalog.system;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Mono;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * A bearer token's roles: the values of the roles claim, as {@code ROLE_<NAME>} like the
 * Basic accounts' roles, plus {@code ROLE_EDITOR} when the token's scopes hold the write
 * scope. Its name is the token's {@code sub}, which keys the caller's favourites.
 */
final class JwtAuthorities implements Converter<Jwt, Mono<AbstractAuthenticationToken>> {

	private static final List<String> SCOPE_CLAIMS = List.of("scope", "scp");

	private final String rolesClaim;

	private final String writeScope;

	JwtAuthorities(String rolesClaim, String writeScope) {
		this.rolesClaim = rolesClaim;
		this.writeScope = writeScope;
	}

	@Override
	public Mono<AbstractAuthenticationToken> convert(Jwt jwt) {
		return Mono.just(new JwtAuthenticationToken(jwt, authorities(jwt), jwt.getSubject()));
	}

	Collection<GrantedAuthority> authorities(Jwt jwt) {
		Set<GrantedAuthority> authorities = new LinkedHashSet<>();
		for (String role : values(claim(jwt.getClaims(), this.rolesClaim))) {
			authorities.add(new SimpleGrantedAuthority("ROLE_" + role.toUpperCase(Locale.ROOT)));
		}
		for (String scopeClaim : SCOPE_CLAIMS) {
			if (values(jwt.getClaims().get(scopeClaim)).contains(this.writeScope)) {
				authorities.add(new SimpleGrantedAuthority("ROLE_EDITOR"));
			}
		}
		return authorities;
	}

	/**
	 * The claim by its exact name, which may itself hold dots (Auth0's namespaced claims
	 * are URLs), else by following a dotted name into nested objects (Keycloak's
	 * {@code realm_access.roles}).
	 */
	private static Object claim(Map<String, Object> claims, String name) {
		if (claims.containsKey(name)) {
			return claims.get(name);
		}
		Object current = claims;
		for (String part : name.split("\\.")) {
			if (!(current instanceof Map<?, ?> map)) {
				return null;
			}
			current = map.get(part);
		}
		return current;
	}

	/** A list of strings or one space-separated string (as OAuth 2 writes scopes). */
	private static List<String> values(Object claim) {
		List<String> values = new ArrayList<>();
		if (claim instanceof String string) {
			for (String value : string.split(" ")) {
				if (!value.isBlank()) {
					values.add(value);
				}
			}
		}
		else if (claim instanceof Collection<?> collection) {
			for (Object value : collection) {
				if (value instanceof String string && !string.isBlank()) {
					values.add(string.trim());
				}
			}
		}
		return values;
	}

}
