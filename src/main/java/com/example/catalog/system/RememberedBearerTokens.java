package com.example.catalog.system;

import java.util.List;

import org.springframework.security.oauth2.jwt.Jwt;

/**
 * A bearer token that {@link RememberingJwtDecoder} has seen pass every check and that
 * has not expired since: Spring Security would accept it again without looking further,
 * and on a public route answer as it answers an anonymous request. Anything else (another
 * scheme, a token never seen, an expired one, two {@code Authorization} headers) is left
 * to Spring Security.
 */
final class RememberedBearerTokens {

	private static final String BEARER = "Bearer ";

	private final RememberingJwtDecoder decoder;

	RememberedBearerTokens(RememberingJwtDecoder decoder) {
		this.decoder = decoder;
	}

	boolean knownValid(List<String> authorization) {
		return remembered(authorization) != null;
	}

	/**
	 * The principal Spring Security would make of these credentials
	 * ({@link JwtAuthorities} names it by the token's subject), when they are known valid
	 * and name one; else {@code null}.
	 */
	String subjectOf(List<String> authorization) {
		Jwt token = remembered(authorization);
		return (token != null) ? token.getSubject() : null;
	}

	private Jwt remembered(List<String> authorization) {
		if (authorization.size() != 1) {
			return null;
		}
		String value = authorization.get(0);
		return value.startsWith(BEARER) ? this.decoder.remembered(value.substring(BEARER.length())) : null;
	}

}
