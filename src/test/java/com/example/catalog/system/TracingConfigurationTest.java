package com.example.catalog.system;

import java.util.List;

import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.security.config.observation.SecurityObservationSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link TracingConfiguration} records, decided by its sampler: nothing without an
 * OTLP endpoint, and with one what {@code management.tracing.sampling.probability} and a
 * caller's {@code traceparent} say.
 */
class TracingConfigurationTest {

	private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(OpenTelemetrySdkAutoConfiguration.class,
				OpenTelemetryTracingAutoConfiguration.class))
		.withUserConfiguration(TracingConfiguration.class);

	@Test
	void withoutAnEndpointNothingIsRecordedNotEvenATraceTheCallerSampled() {
		this.runner.withPropertyValues("management.tracing.sampling.probability=1.0").run((context) -> {
			Sampler sampler = context.getBean(Sampler.class);
			assertThat(decision(sampler, null)).isEqualTo(SamplingDecision.DROP);
			assertThat(decision(sampler, TraceFlags.getSampled())).isEqualTo(SamplingDecision.DROP);
		});
	}

	@Test
	void withAnEndpointTheSamplingProbabilityDecidesForNewTraces() {
		ApplicationContextRunner withEndpoint = this.runner
			.withPropertyValues(TracingConfiguration.ENDPOINT + "=http://collector:4318/v1/traces");
		withEndpoint.withPropertyValues("management.tracing.sampling.probability=1.0")
			.run((context) -> assertThat(decision(context.getBean(Sampler.class), null))
				.isEqualTo(SamplingDecision.RECORD_AND_SAMPLE));
		withEndpoint.withPropertyValues("management.tracing.sampling.probability=0.0")
			.run((context) -> assertThat(decision(context.getBean(Sampler.class), null))
				.isEqualTo(SamplingDecision.DROP));
	}

	@Test
	void withAnEndpointACallersDecisionIsFollowed() {
		this.runner
			.withPropertyValues(TracingConfiguration.ENDPOINT + "=http://collector:4318/v1/traces",
					"management.tracing.sampling.probability=0.0")
			.run((context) -> {
				Sampler sampler = context.getBean(Sampler.class);
				assertThat(decision(sampler, TraceFlags.getSampled())).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
				assertThat(decision(sampler, TraceFlags.getDefault())).isEqualTo(SamplingDecision.DROP);
			});
	}

	@Test
	void springSecurityObservesOnlyWithAnEndpoint() {
		this.runner.run((context) -> {
			SecurityObservationSettings settings = context.getBean(SecurityObservationSettings.class);
			assertThat(settings.shouldObserveRequests()).isFalse();
			assertThat(settings.shouldObserveAuthentications()).isFalse();
			assertThat(settings.shouldObserveAuthorizations()).isFalse();
		});
		this.runner.withPropertyValues(TracingConfiguration.ENDPOINT + "=http://collector:4318/v1/traces")
			.run((context) -> {
				SecurityObservationSettings settings = context.getBean(SecurityObservationSettings.class);
				assertThat(settings.shouldObserveRequests()).isTrue();
				assertThat(settings.shouldObserveAuthentications()).isTrue();
				assertThat(settings.shouldObserveAuthorizations()).isTrue();
			});
	}

	@Test
	void exemplarsNameTheCurrentSpanOnlyWithAnEndpoint() {
		this.runner.run((context) -> assertThat(context)
			.doesNotHaveBean(io.prometheus.metrics.tracer.common.SpanContext.class));
		this.runner
			.withPropertyValues(TracingConfiguration.ENDPOINT + "=http://collector:4318/v1/traces",
					"management.tracing.sampling.probability=1.0")
			.run((context) -> {
				io.prometheus.metrics.tracer.common.SpanContext exemplars = context
					.getBean(io.prometheus.metrics.tracer.common.SpanContext.class);
				assertThat(exemplars.getCurrentTraceId()).as("no span").isNull();
				Tracer tracer = context.getBean(Tracer.class);
				io.micrometer.tracing.Span span = tracer.nextSpan().name("a request").start();
				try (Tracer.SpanInScope ignored = tracer.withSpan(span)) {
					assertThat(exemplars.getCurrentTraceId()).isEqualTo(span.context().traceId());
					assertThat(exemplars.getCurrentSpanId()).isEqualTo(span.context().spanId());
					assertThat(exemplars.isCurrentSpanSampled()).isTrue();
				}
				finally {
					span.end();
				}
			});
	}

	/**
	 * The decision for a server span, under a remote parent with these flags, or none.
	 */
	private static SamplingDecision decision(Sampler sampler, TraceFlags parentFlags) {
		Context parent = Context.root();
		if (parentFlags != null) {
			parent = parent.with(Span.wrap(SpanContext.createFromRemoteParent(TRACE_ID, "00f067aa0ba902b7", parentFlags,
					TraceState.getDefault())));
		}
		return sampler
			.shouldSample(parent, TRACE_ID, "http get /catalog", SpanKind.SERVER, Attributes.empty(), List.of())
			.getDecision();
	}

}
