package com.example.catalog.system;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With an OTLP endpoint set, a request is a server span that continues the caller's W3C
 * {@code traceparent}, and the log lines written while serving it carry its trace id. The
 * spans go to an in-memory exporter: the OTLP exporter itself is turned off, so nothing
 * leaves the test.
 */
@IntegrationTest
@TestPropertySource(properties = { TracingConfiguration.ENDPOINT + "=http://127.0.0.1:4318/v1/traces",
		"management.tracing.export.otlp.enabled=false", "management.tracing.sampling.probability=1.0" })
@ExtendWith(OutputCaptureExtension.class)
class TracingIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	Spans spans;

	@Test
	void aMissWithATraceparentIsAServerSpanInTheCallersTraceWithItsRedisCommands() {
		String traceId = hex(16);
		String parentId = hex(8);
		String category = "traced-" + hex(4);
		this.client.get()
			.uri("/catalog?category=" + category)
			.header("traceparent", "00-" + traceId + "-" + parentId + "-01")
			.exchange()
			.expectStatus()
			.isOk();
		SpanData server = await().atMost(Duration.ofSeconds(5))
			.until(() -> this.spans.of(traceId, SpanKind.SERVER), (found) -> !found.isEmpty())
			.get(0);
		assertThat(server.getParentSpanId()).isEqualTo(parentId);
		assertThat(server.getParentSpanContext().isRemote()).isTrue();
		assertThat(server.getName()).containsIgnoringCase("get");
		// a miss: the Redis lookup and the write of the loaded page are spans of the same
		// trace
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.spans.of(traceId, SpanKind.CLIENT)).extracting(SpanData::getName)
				.contains("get", "set"));
	}

	@Test
	void aRequestWithoutATraceparentStartsATraceOfItsOwn() {
		String category = "untraced-" + hex(4);
		this.client.get().uri("/catalog?category=" + category).exchange().expectStatus().isOk();
		SpanData server = await().atMost(Duration.ofSeconds(5))
			.until(() -> this.spans.server("/catalog"), (found) -> !found.isEmpty())
			.get(0);
		assertThat(server.getParentSpanContext().isValid()).isFalse();
	}

	@Test
	void theLogLinesOfARequestCarryItsTraceId(CapturedOutput output) {
		String traceId = hex(16);
		String category = "logged-" + hex(4);
		this.client.post()
			.uri("/admin/cache/purge")
			.headers((headers) -> headers.setBasicAuth("ops", "ops-secret"))
			.header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"categories\":[\"" + category + "\"]}")
			.exchange()
			.expectStatus()
			.isAccepted();
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(output.getOut().lines().filter((line) -> line.contains(traceId)))
				.anySatisfy((line) -> assertThat(line).contains("ops purged")));
	}

	private static String hex(int bytes) {
		byte[] random = new byte[bytes];
		ThreadLocalRandom.current().nextBytes(random);
		return HexFormat.of().formatHex(random);
	}

	/** The spans this application ended, exported as each one ends. */
	record Spans(InMemorySpanExporter exporter) {

		List<SpanData> of(String traceId, SpanKind kind) {
			return this.exporter.getFinishedSpanItems()
				.stream()
				.filter((span) -> span.getTraceId().equals(traceId) && span.getKind() == kind)
				.toList();
		}

		List<SpanData> server(String route) {
			return this.exporter.getFinishedSpanItems()
				.stream()
				.filter((span) -> span.getKind() == SpanKind.SERVER && span.getName().contains(route))
				.toList();
		}

	}

	@TestConfiguration(proxyBeanMethods = false)
	static class InMemorySpans {

		// Not a SpanExporter bean: Boot would hand it to its batch processor as well, and
		// every span would arrive twice.
		private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

		@Bean
		Spans spans() {
			return new Spans(this.exporter);
		}

		@Bean
		SpanProcessor exportEachSpanAsItEnds() {
			return SimpleSpanProcessor.create(this.exporter);
		}

	}

}
