package com.example.catalog.cache;

import java.util.Map;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * A public GET route whose hits the cache answers before the request reaches Spring
 * Security and the route's handler (see {@link NearHitHttpHandler}). The feature that
 * owns the route declares it as a bean; its handler must build the same key and answer
 * through {@link ResponseCache#respond}, which serves every request passed on to WebFlux.
 *
 * @param pathPattern the path as the handler maps it, such as {@code /catalog/items/{id}}
 * @param requestKey the key of a request for this route, which must depend on nothing but
 * the request's path and query (keys are remembered by them); may throw for a request the
 * handler rejects, which the handler then answers
 */
public record CacheableRoute(String pathPattern, RequestKey requestKey) {

	@FunctionalInterface
	public interface RequestKey {

		CacheKey of(ServerHttpRequest request, Map<String, String> pathVariables);

	}

}
