package com.example.catalog.system;

import java.util.List;

import com.example.catalog.cache.PublicRouteCredentials;

/**
 * A bearer token that {@link RememberingJwtDecoder} has seen pass every check and that
 * has not expired since: Spring Security would accept it again without looking further,
 * and on a public route answer as it answers an anonymous request. Anything else (another
 * scheme, a token never seen, an expired one, two {@code Authorization} headers) is left
 * to Spring Security.
 */
final class RememberedBearerTokens implements PublicRouteCredentials {

	private static final String BEARER = "Bearer ";

	private final RememberingJwtDecoder decoder;

	RememberedBearerTokens(RememberingJwtDecoder decoder) {
		this.decoder = decoder;
	}

	@Override
	public boolean knownValid(List<String> authorization) {
		if (authorization.size() != 1) {
			return false;
		}
		String value = authorization.get(0);
		return value.startsWith(BEARER) && this.decoder.remembersValid(value.substring(BEARER.length()));
	}

}
