package com.example.catalog.system;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * The 401 and 403 problems of {@link SecurityConfiguration}, with the
 * {@code WWW-Authenticate} challenges of the schemes that are on (RFC 7235; for bearer
 * tokens RFC 6750: {@code error="invalid_token"} for a token that is not good, whatever
 * the route, {@code error="insufficient_scope"} for one that may not do this).
 */
final class Challenges {

	private static final String BEARER = "Bearer";

	/**
	 * How long a client waits before trying again when the provider's keys are out of
	 * reach.
	 */
	private static final String KEYS_RETRY_AFTER_SECONDS = "5";

	private final boolean basic;

	private final boolean bearer;

	private final JsonMapper jsonMapper;

	Challenges(boolean basic, boolean bearer, JsonMapper jsonMapper) {
		this.basic = basic;
		this.bearer = bearer;
		this.jsonMapper = jsonMapper;
	}

	/** No credentials, or Basic credentials that are wrong. */
	Mono<Void> unauthorized(ServerWebExchange exchange, AuthenticationException ex) {
		HttpHeaders headers = exchange.getResponse().getHeaders();
		if (this.basic) {
			headers.add(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"" + SecurityConfiguration.REALM + "\"");
		}
		if (this.bearer) {
			headers.add(HttpHeaders.WWW_AUTHENTICATE, BEARER + " realm=\"" + SecurityConfiguration.REALM + "\"");
		}
		return SecurityConfiguration.writeProblem(exchange, this.jsonMapper, HttpStatus.UNAUTHORIZED, "Unauthorized",
				"Valid credentials are required (" + schemes() + ")");
	}

	/**
	 * A bearer token that is malformed, expired, not yet valid, or not signed by the
	 * provider.
	 */
	Mono<Void> invalidToken(ServerWebExchange exchange, AuthenticationException ex) {
		HttpStatus status = HttpStatus.UNAUTHORIZED;
		String error = "invalid_token";
		String description = "The bearer token is not valid";
		if (ex instanceof OAuth2AuthenticationException oauth && oauth.getError() instanceof BearerTokenError token) {
			status = token.getHttpStatus();
			error = token.getErrorCode();
			if (token.getDescription() != null) {
				description = token.getDescription();
			}
		}
		exchange.getResponse()
			.getHeaders()
			.set(HttpHeaders.WWW_AUTHENTICATE,
					BEARER + " error=\"" + error + "\", error_description=\"" + quotable(description) + "\"");
		return SecurityConfiguration.writeProblem(exchange, this.jsonMapper, status, "Unauthorized", description);
	}

	/**
	 * A bearer token that could not be checked because the provider's keys could not be
	 * fetched: the service's trouble, not the caller's, so a 503 to retry rather than a
	 * 401 (or the 500 Spring Security would answer).
	 */
	Mono<Void> bearerFailure(WebFilterExchange filterExchange, AuthenticationException ex) {
		ServerWebExchange exchange = filterExchange.getExchange();
		if (ex instanceof AuthenticationServiceException) {
			exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, KEYS_RETRY_AFTER_SECONDS);
			return SecurityConfiguration.writeProblem(exchange, this.jsonMapper, HttpStatus.SERVICE_UNAVAILABLE,
					"Service unavailable", "The identity provider's keys could not be fetched to check the token");
		}
		return invalidToken(exchange, ex);
	}

	Mono<Void> forbidden(ServerWebExchange exchange, AccessDeniedException ex) {
		String authorization = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
		if (authorization != null && authorization.regionMatches(true, 0, BEARER + " ", 0, BEARER.length() + 1)) {
			exchange.getResponse()
				.getHeaders()
				.set(HttpHeaders.WWW_AUTHENTICATE, BEARER + " error=\"insufficient_scope\"");
		}
		return SecurityConfiguration.writeProblem(exchange, this.jsonMapper, HttpStatus.FORBIDDEN, "Forbidden",
				"This account may not do this; changing the catalog needs the EDITOR role (or the scope that "
						+ "grants it), administering the cache EDITOR or OPS");
	}

	private String schemes() {
		if (this.basic && this.bearer) {
			return "HTTP Basic or a bearer token";
		}
		return this.bearer ? "a bearer token" : "HTTP Basic";
	}

	/** A quoted-string of RFC 9110 may hold neither a quote nor a backslash unescaped. */
	private static String quotable(String text) {
		StringBuilder quoted = new StringBuilder(text.length());
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
				quoted.append(c);
			}
		}
		return quoted.toString();
	}

}
