package com.example.catalog.system;

import io.micrometer.tracing.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.tracer.common.SpanContext;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.util.StringUtils;

/**
 * Traces are recorded only where they can go somewhere: with
 * {@code management.opentelemetry.tracing.export.otlp.endpoint} set, a request is sampled
 * with {@code management.tracing.sampling.probability} (a caller's sampled
 * {@code traceparent} is followed); without it nothing is recorded. Either way the W3C
 * {@code traceparent} of a request is continued, so its trace id is in the log lines and
 * in what the service passes on.
 */
@Configuration(proxyBeanMethods = false)
class TracingConfiguration {

	static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

	@Bean
	Sampler otelSampler(Environment environment, TracingProperties tracing) {
		// The first use of the OpenTelemetry context loads its
		// storage from the class path (blocking I/O): do it now,
		// at start-up, not on the first event loop that asks.
		Context.root();
		// Boot's own sampler would record spans (10 % of requests by default, and every
		// one a caller marked sampled) only to drop them for want of an exporter.
		if (!tracesExported(environment)) {
			return Sampler.alwaysOff();
		}
		return Sampler.parentBased(Sampler.traceIdRatioBased(tracing.getSampling().getProbability()));
	}

	/**
	 * Spring Security observes its filter chain, authentications and authorizations only
	 * while traces are exported: without an exporter each full-chain request would pay
	 * for observations whose spans go nowhere. With one, all three, as Spring Security
	 * does when no settings are given (its builder's defaults leave the filter chain
	 * out).
	 */
	@Bean
	SecurityObservationSettings securityObservationsOnlyWhenTraced(Environment environment) {
		if (!tracesExported(environment)) {
			return SecurityObservationSettings.noObservations();
		}
		return SecurityObservationSettings.withDefaults()
			.shouldObserveRequests(true)
			.shouldObserveAuthentications(true)
			.shouldObserveAuthorizations(true)
			.build();
	}

	/**
	 * Trace ids for the Prometheus registry's exemplars, only while traces are exported:
	 * without them no span is ever sampled, so no exemplar could be taken, yet the
	 * sampler ran on every timer record and woke a thread of its own to end its rate
	 * limit, on the critical path of each request at low load (an idle hit 0.05–0.11 ms
	 * and an idle miss 0.14–0.18 ms faster without it, README "Exemplars only with
	 * traces"). Spring Boot's exemplar configuration is excluded in
	 * {@code application.yaml}; this replaces it.
	 */
	@Bean
	@Conditional(TracesExported.class)
	SpanContext exemplarSpanContext(ObjectProvider<Tracer> tracer) {
		return new TracedExemplars(tracer);
	}

	/** Whether an OTLP endpoint is set: without one nothing is recorded. */
	static boolean tracesExported(Environment environment) {
		return StringUtils.hasText(environment.getProperty(ENDPOINT));
	}

	static final class TracesExported implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return tracesExported(context.getEnvironment());
		}

	}

}
