package com.example.catalog.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import io.opentelemetry.api.common.AttributeKey;
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
		// a miss: the Redis lookup and the write of
		// the loaded page are spans of the same trace
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(this.spans.of(traceId, SpanKind.CLIENT)).extracting(SpanData::getName)
				.contains("get", "set"));
	}

	@Test
	void aMissIsAServerSpanWhoseCacheLookupHoldsTheLoadWithItsQueryAndTheStore() {
		String traceId = hex(16);
		get("/catalog?category=steps-" + hex(4), traceId, null);
		SpanData server = serverSpanOf(traceId);
		SpanData lookup = await().atMost(Duration.ofSeconds(5))
			.until(() -> this.spans.named(traceId, "cache lookup"), (found) -> !found.isEmpty())
			.get(0);
		try {
			Thread.sleep(1000);
		}
		catch (Exception e) {
		}
		this.spans.exporter()
			.getFinishedSpanItems()
			.stream()
			.filter((s) -> s.getTraceId().equals(traceId))
			.forEach((s) -> System.out.println("SPAN " + s.getSpanId() + " <- " + s.getParentSpanId() + " "
					+ s.getKind() + " " + s.getName() + " " + s.getAttributes().asMap()));
		// between them: Spring Security's spans of its filter chain
		assertThat(this.spans.ancestorsOf(lookup)).contains(server.getSpanId());
		assertThat(lookup.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("outcome"), "miss-stored");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			SpanData load = only(this.spans.named(traceId, "cache load"));
			assertThat(load.getParentSpanId()).isEqualTo(lookup.getSpanId());
			assertThat(this.spans.of(traceId, SpanKind.CLIENT))
				.anySatisfy((query) -> assertThat(query.getParentSpanId()).isEqualTo(load.getSpanId()));
			SpanData store = only(this.spans.named(traceId, "cache store"));
			assertThat(store.getParentSpanId()).isEqualTo(lookup.getSpanId());
			assertThat(this.spans.of(traceId, SpanKind.CLIENT)).filteredOn((command) -> command.getName().equals("set"))
				.anySatisfy((set) -> assertThat(set.getParentSpanId()).isEqualTo(store.getSpanId()));
		});
	}

	@Test
	void aHitAnsweredInFrontOfWebFluxIsAServerSpanInTheCallersTraceWithoutALoad() {
		String uri = "/catalog?category=near-" + hex(4);
		get(uri, hex(16), null);
		String traceId = hex(16);
		String parentId = hex(8);
		get(uri, traceId, parentId);
		SpanData server = serverSpanOf(traceId);
		assertThat(server.getParentSpanId()).isEqualTo(parentId);
		assertThat(server.getName()).isEqualTo("http get /catalog");
		assertThat(server.getAttributes().asMap()).containsValue("near-hit").containsValue("200");
		assertThat(this.spans.named(traceId, "cache load")).isEmpty();
	}

	@Test
	void aHitThroughWebFluxHasACacheLookupButNoLoad() {
		String uri = "/catalog?category=full-" + hex(4);
		get(uri, hex(16), null);
		String traceId = hex(16);
		this.client.get()
			.uri(uri)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")
			.exchange()
			.expectStatus()
			.isOk();
		SpanData server = serverSpanOf(traceId);
		SpanData lookup = await().atMost(Duration.ofSeconds(5))
			.until(() -> this.spans.named(traceId, "cache lookup"), (found) -> !found.isEmpty())
			.get(0);
		assertThat(this.spans.ancestorsOf(lookup)).contains(server.getSpanId());
		assertThat(lookup.getAttributes().asMap()).containsEntry(AttributeKey.stringKey("outcome"), "hit");
		assertThat(this.spans.named(traceId, "cache load")).isEmpty();
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

	private void get(String uri, String traceId, String parentId) {
		this.client.get()
			.uri(uri)
			.header("traceparent", "00-" + traceId + "-" + ((parentId != null) ? parentId : hex(8)) + "-01")
			.exchange()
			.expectStatus()
			.isOk();
	}

	private SpanData serverSpanOf(String traceId) {
		return await().atMost(Duration.ofSeconds(5))
			.until(() -> this.spans.of(traceId, SpanKind.SERVER), (found) -> !found.isEmpty())
			.get(0);
	}

	private static SpanData only(List<SpanData> spans) {
		assertThat(spans).hasSize(1);
		return spans.get(0);
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

		/** The ids of the spans above {@code span} in its trace, nearest first. */
		List<String> ancestorsOf(SpanData span) {
			Map<String, String> parents = this.exporter.getFinishedSpanItems()
				.stream()
				.filter((other) -> other.getTraceId().equals(span.getTraceId()))
				.collect(Collectors.toMap(SpanData::getSpanId, SpanData::getParentSpanId));
			List<String> ancestors = new ArrayList<>();
			for (String parent = span.getParentSpanId(); parents.containsKey(parent); parent = parents.get(parent)) {
				ancestors.add(parent);
			}
			return ancestors;
		}

		List<SpanData> named(String traceId, String name) {
			return this.exporter.getFinishedSpanItems()
				.stream()
				.filter((span) -> span.getTraceId().equals(traceId) && span.getName().equals(name))
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
