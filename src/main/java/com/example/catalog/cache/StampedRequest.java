package com.example.catalog.cache;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * A request that carries the generations {@link NearHitHttpHandler} read for it, so that
 * {@link ResponseCache#respond} does not read them again (or wait for Redis twice when it
 * is unavailable).
 */
final class StampedRequest extends ServerHttpRequestDecorator {

	private final StampRead read;

	StampedRequest(ServerHttpRequest delegate, StampRead read) {
		super(delegate);
		this.read = read;
	}

	/** The read carried by {@code request} or a request it decorates, if any. */
	static StampRead readOf(ServerHttpRequest request) {
		ServerHttpRequest current = request;
		while (current instanceof ServerHttpRequestDecorator decorator) {
			if (decorator instanceof StampedRequest stamped) {
				return stamped.read;
			}
			current = decorator.getDelegate();
		}
		return null;
	}

}
