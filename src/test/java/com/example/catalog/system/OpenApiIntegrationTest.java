package com.example.catalog.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI description documents every endpoint, its parameters and errors, and the
 * authentication scheme, and is served to many clients at once; Swagger UI is reachable.
 */
@IntegrationTest
class OpenApiIntegrationTest {

	@Autowired
	WebTestClient client;

	private static final Path SERVED_DOCUMENT = Path.of("target", "openapi", "api-docs.json");

	@LocalServerPort
	int port;

	/**
	 * Also keeps the document as served in {@code target/openapi/api-docs.json}, where
	 * the build's Redocly step ({@code scripts/lint-openapi.sh}, run by {@code .ci/run})
	 * lints it.
	 */
	@Test
	@SuppressWarnings("unchecked")
	void apiDocsDescribeEveryEndpointAndTheBasicScheme() throws IOException {
		byte[] served = this.client.get()
			.uri("/v3/api-docs")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
		Files.createDirectories(SERVED_DOCUMENT.getParent());
		Files.write(SERVED_DOCUMENT, served);
		Map<String, Object> docs = JsonMapper.shared().readValue(served, Map.class);
		Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) docs.get("paths");
		assertThat(paths).containsKeys("/catalog", "/catalog/items", "/catalog/items/{id}", "/me/favorites",
				"/me/favorites/{itemId}");
		assertThat(paths.get("/catalog/items/{id}")).containsKeys("get", "put", "delete");
		Map<String, Object> list = (Map<String, Object>) paths.get("/catalog").get("get");
		assertThat(list.get("parameters").toString()).contains("category", "minPrice", "maxPrice", "sort", "limit",
				"cursor", "q");
		assertThat(((Map<String, Object>) list.get("responses"))).containsKeys("200", "304", "400", "503");
		Map<String, Object> create = (Map<String, Object>) paths.get("/catalog/items").get("post");
		Map<String, Map<String, Object>> createResponses = (Map<String, Map<String, Object>>) create.get("responses");
		assertThat(createResponses).containsKeys("201", "400", "401", "403", "409", "413", "415", "422");
		assertThat(createResponses.get("409").get("content")).extracting("application/problem+json")
			.extracting("schema")
			.isEqualTo(Map.of("$ref", "#/components/schemas/ProblemDetail"));
		assertThat(docs.get("components").toString()).contains("basicAuth", "scheme=basic", "ProblemDetail=");
		assertThat((Map<String, Object>) docs.get("info")).extracting("license")
			.isEqualTo(Map.of("name", "Apache License 2.0", "identifier", "Apache-2.0"));
	}

	/**
	 * springdoc hands the document out under a lock; requests that meet there must not
	 * park an event-loop thread (BlockHound fails them with a 500 if they do). With
	 * credentials, as an API client would send them, the requests meet more often.
	 */
	@Test
	void concurrentRequestsForTheDocumentAreAllAnswered() {
		HttpClient http = HttpClient.newHttpClient();
		List<CompletableFuture<HttpResponse<Void>>> responses = new ArrayList<>();
		for (int i = 0; i < 2000; i++) {
			String path = (i % 2 == 0) ? "/v3/api-docs" : "/v3/api-docs/swagger-config";
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.header(HttpHeaders.AUTHORIZATION,
						"Basic " + HttpHeaders.encodeBasicAuth("editor", "editor-secret", StandardCharsets.UTF_8))
				.version(HttpClient.Version.HTTP_1_1)
				.build();
			responses.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()));
		}
		Map<Integer, Long> statuses = responses.stream()
			.map((response) -> response.orTimeout(60, TimeUnit.SECONDS).join().statusCode())
			.collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
		assertThat(statuses).containsExactly(Map.entry(200, 2000L));
	}

	@Test
	void swaggerUiIsServed() {
		this.client.get().uri("/swagger-ui.html").exchange().expectStatus().is3xxRedirection();
		this.client.get().uri("/swagger-ui/index.html").exchange().expectStatus().isOk();
	}

}
