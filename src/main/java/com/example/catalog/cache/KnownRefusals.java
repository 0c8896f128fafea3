package com.example.catalog.cache;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Requests that {@link NearHitHttpHandler} may refuse itself once it knows they would
 * load: those whose client a limit is known, from memory and the request alone, to refuse
 * now. The handler asks only for a request it found missing in Redis too, and whose
 * credentials, if any, are {@link PublicRouteCredentials known valid}: WebFlux would have
 * passed it to the cache only for the limit to refuse it. Answering it here spares that
 * whole pass, most of what a refused request costs. A flood of distinct queries from one
 * client is made of such requests, and the other clients' hits share the cores with it.
 */
@FunctionalInterface
public interface KnownRefusals {

	/** Knows none: every miss goes to WebFlux. */
	KnownRefusals NONE = (request) -> null;

	/**
	 * @param request a request that would load, without credentials or with some known
	 * valid
	 * @return the response refusing it, exactly as WebFlux would answer it, or
	 * {@code null} when its client is not known to be refused now
	 */
	Refusal refusal(ServerHttpRequest request);

	/**
	 * A response refusing a request.
	 *
	 * @param status its status
	 * @param headers its headers, the content type among them
	 * @param body its body
	 */
	record Refusal(HttpStatus status, HttpHeaders headers, byte[] body) {

	}

}
