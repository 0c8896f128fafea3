package com.example.catalog.cache;

import java.util.concurrent.TimeUnit;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The server span of a request {@link NearHitHttpHandler} answers, named and tagged as
 * WebFlux names its own, in the caller's trace when the request carries one. Made with
 * the tracer rather than as an observation: the handler records the request timer itself,
 * and an observation would record it a second time.
 */
final class NearHitSpans {

	private static final Propagator.Getter<ServerHttpRequest> HEADERS = (request, name) -> request.getHeaders()
		.getFirst(name);

	private final Propagator propagator;

	NearHitSpans(Propagator propagator) {
		this.propagator = propagator;
	}

	/**
	 * Starts the span of a request answered from this instance's cache.
	 * @param startedAtMicros when the request arrived, in microseconds since the epoch:
	 * the span covers the generation read that found the hit
	 */
	Span start(ServerHttpRequest request, String pathPattern, long startedAtMicros) {
		Span.Builder builder = this.propagator.extract(request, HEADERS);
		return builder.kind(Span.Kind.SERVER)
			.name("http get " + pathPattern)
			.tag("method", "GET")
			.tag("uri", pathPattern)
			.tag("http.url", request.getPath().value())
			.tag("catalog.cache", "near-hit")
			.startTimestamp(startedAtMicros, TimeUnit.MICROSECONDS)
			.start();
	}

	/** Ends the span with the status written, or as cancelled by the client. */
	static void end(Span span, HttpStatus status, boolean cancelled) {
		span.tag("status", Integer.toString(status.value()))
			.tag("outcome", status.is2xxSuccessful() ? "SUCCESS" : "REDIRECTION")
			.tag("exception", "none");
		if (cancelled) {
			span.event("cancelled");
		}
		span.end();
	}

}
