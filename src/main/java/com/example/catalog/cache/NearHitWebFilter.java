package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.RequestPath;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Answers GETs of {@link CacheableRoute cacheable routes} whose current response this
 * instance holds, before Spring Security and the handler run. On a hit those two cost
 * most of the time while changing nothing: the routes are public, and the handler would
 * only build the key and ask the cache. Every other request, and every hit this filter
 * cannot answer exactly as the full chain would, continues down the chain.
 * <p>
 * Requests with credentials go the full way, because Spring Security answers wrong
 * credentials with a 401 even on a public route; so do HTTPS requests (their security
 * headers differ), HEAD requests and any path not in its plain spelling (Spring
 * Security's firewall has a say about encoded or parameterised paths).
 */
final class NearHitWebFilter implements WebFilter, Ordered {

	/** Just before Spring Security's {@code WebFilterChainProxy} (-100). */
	static final int ORDER = -101;

	/**
	 * What Spring Security's default header writers add to a plain HTTP response that
	 * already has a {@code Cache-Control}; a test compares hits with the full chain's
	 * responses.
	 */
	private static final List<Map.Entry<String, String>> SECURITY_HEADERS = List.of(
			Map.entry("X-Content-Type-Options", "nosniff"), Map.entry("X-Frame-Options", "DENY"),
			Map.entry("X-XSS-Protection", "0"), Map.entry("Referrer-Policy", "no-referrer"));

	private final ResponseCache cache;

	private final List<Route> routes;

	private final Cache<String, CacheKey> keys = Caffeine.newBuilder().maximumSize(10_000).build();

	NearHitWebFilter(ResponseCache cache, List<CacheableRoute> routes) {
		this.cache = cache;
		this.routes = routes.stream()
			.map((route) -> new Route(PathPatternParser.defaultInstance.parse(route.pathPattern()), route))
			.toList();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (request.getMethod() != HttpMethod.GET || request.getSslInfo() != null
				|| request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)
				|| !plainSpelling(request.getPath())) {
			return chain.filter(exchange);
		}
		for (Route route : this.routes) {
			PathPattern.PathMatchInfo match = route.pattern()
				.matchAndExtract(request.getPath().pathWithinApplication());
			if (match != null) {
				CacheKey key = keyOf(route, request, match);
				if (key == null) {
					return chain.filter(exchange);
				}
				return this.cache.nearHit(key, exchange)
					.flatMap((hit) -> write(exchange, route, hit).thenReturn(Boolean.TRUE))
					.switchIfEmpty(Mono.defer(() -> chain.filter(exchange).thenReturn(Boolean.TRUE)))
					.then();
			}
		}
		return chain.filter(exchange);
	}

	/**
	 * The request's key, remembered by path and query: a key depends on nothing else, and
	 * validating the query and hashing it cost more than the rest of a hit.
	 */
	private CacheKey keyOf(Route route, ServerHttpRequest request, PathPattern.PathMatchInfo match) {
		String rawQuery = request.getURI().getRawQuery();
		String target = (rawQuery != null) ? request.getPath().value() + '?' + rawQuery : request.getPath().value();
		CacheKey known = this.keys.getIfPresent(target);
		if (known != null) {
			return known;
		}
		try {
			CacheKey key = route.declared().requestKey().of(request, match.getUriVariables());
			this.keys.put(target, key);
			return key;
		}
		catch (RuntimeException ex) {
			// A request the handler rejects: the handler answers it, with its problem.
			return null;
		}
	}

	private Mono<Void> write(ServerWebExchange exchange, Route route, CachedResponse hit) {
		// Metrics tag the request with the route, as the handler mapping would have.
		ServerRequestObservationContext.findCurrent(exchange.getAttributes())
			.ifPresent((context) -> context.setPathPattern(route.declared().pathPattern()));
		ServerHttpResponse response = exchange.getResponse();
		HttpHeaders headers = response.getHeaders();
		HttpCaching.Rendition rendition = this.cache.httpCaching()
			.render(hit, exchange.getRequest().getHeaders(), headers);
		for (Map.Entry<String, String> header : SECURITY_HEADERS) {
			headers.set(header.getKey(), header.getValue());
		}
		response.setStatusCode(rendition.status());
		ByteBuffer body = rendition.body();
		if (body == null) {
			return response.setComplete();
		}
		headers.setContentLength(body.remaining());
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}

	/**
	 * Only letters, digits, '-', '_' and single slashes: nothing to decode or normalise.
	 */
	private static boolean plainSpelling(RequestPath path) {
		String value = path.value();
		if (value.isEmpty() || value.charAt(value.length() - 1) == '/') {
			return false;
		}
		char previous = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '_' || (c == '/' && previous != '/');
			if (!allowed) {
				return false;
			}
			previous = c;
		}
		return true;
	}

	private record Route(PathPattern pattern, CacheableRoute declared) {

	}

}
