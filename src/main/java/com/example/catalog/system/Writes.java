package com.example.catalog.system;

import java.time.Duration;

import reactor.core.publisher.Mono;

/**
 * How every change is run: the database write and the cache invalidation that follows it
 * go to the end whatever happens to the request (a committed change whose invalidation
 * was cancelled would leave stale pages behind), and the client gets an answer within
 * {@link #TIMEOUT}: past it a 503, while the change still runs on, so a write that
 * commits late is invalidated all the same.
 */
public final class Writes {

	public static final Duration TIMEOUT = Duration.ofSeconds(2);

	private Writes() {
	}

	public static <T> Mono<T> completely(Mono<T> write) {
		return Mono.fromFuture(write::toFuture, true).timeout(TIMEOUT);
	}

}
