package com.example.catalog.system;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.prometheus.metrics.tracer.common.SpanContext;

import org.springframework.beans.factory.ObjectProvider;

/**
 * The current span, as Prometheus's exemplar sampler asks for it: what Spring Boot's own
 * exemplar configuration offers, here only while traces are exported (see
 * {@link TracingConfiguration}).
 */
final class TracedExemplars implements SpanContext {

	private final ObjectProvider<Tracer> tracer;

	TracedExemplars(ObjectProvider<Tracer> tracer) {
		this.tracer = tracer;
	}

	@Override
	public String getCurrentTraceId() {
		Span span = currentSpan();
		return (span != null) ? span.context().traceId() : null;
	}

	@Override
	public String getCurrentSpanId() {
		Span span = currentSpan();
		return (span != null) ? span.context().spanId() : null;
	}

	@Override
	public boolean isCurrentSpanSampled() {
		Span span = currentSpan();
		return span != null && Boolean.TRUE.equals(span.context().sampled());
	}

	@Override
	public void markCurrentSpanAsExemplar() {
		// A Micrometer span has no attribute a trace sampler would read for it (Spring
		// Boot's own implementation does nothing here either).
	}

	private Span currentSpan() {
		Tracer current = this.tracer.getIfAvailable();
		return (current != null) ? current.currentSpan() : null;
	}

}
