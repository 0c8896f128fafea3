package com.example.catalog;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.WebFilter;

/**
 * Counts, by path and query, the requests that enter WebFlux's filter chain: what proves
 * that a request was answered in front of WebFlux, whose answers look exactly like the
 * full chain's. A test imports {@link CountingFilter} and has this bean injected.
 */
public final class RequestsSeenByWebFlux {

	private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

	void saw(URI uri) {
		String target = (uri.getRawQuery() != null) ? uri.getRawPath() + "?" + uri.getRawQuery() : uri.getRawPath();
		this.counts.computeIfAbsent(target, (key) -> new AtomicInteger()).incrementAndGet();
	}

	/** How many requests for {@code pathAndQuery} (raw, as sent) entered WebFlux. */
	public int count(String pathAndQuery) {
		AtomicInteger count = this.counts.get(pathAndQuery);
		return (count != null) ? count.get() : 0;
	}

	/** A test-only web filter, first in the chain, that counts what WebFlux sees. */
	@TestConfiguration(proxyBeanMethods = false)
	public static class CountingFilter {

		@Bean
		RequestsSeenByWebFlux requestsSeenByWebFlux() {
			return new RequestsSeenByWebFlux();
		}

		@Bean
		@Order(Ordered.HIGHEST_PRECEDENCE)
		WebFilter countingWebFilter(RequestsSeenByWebFlux seen) {
			return (exchange, chain) -> {
				seen.saw(exchange.getRequest().getURI());
				return chain.filter(exchange);
			};
		}

	}

}
