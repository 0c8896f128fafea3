package com.example.catalog.system;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every operation of the served OpenAPI document, driven to each of its statuses by real
 * requests, answers as the document says: status, headers, content type and body, checked
 * by {@link OpenApiResponseValidator} against the document itself. (428 and 503 need
 * other settings: {@code RequiredIfMatchIntegrationTest}.)
 */
@IntegrationTest
class OpenApiResponsesIntegrationTest {

	private static final Consumer<HttpHeaders> EDITOR = (headers) -> headers.setBasicAuth("editor", "editor-secret");

	private static final Consumer<HttpHeaders> ALICE = (headers) -> headers.setBasicAuth("alice", "alice-secret");

	private static final Consumer<HttpHeaders> OPS = (headers) -> headers.setBasicAuth("ops", "ops-secret");

	private static final Consumer<HttpHeaders> ANONYMOUS = (headers) -> {
	};

	@Autowired
	WebTestClient client;

	@Autowired
	JsonMapper jsonMapper;

	OpenApiResponseValidator validator;

	final List<String> mismatches = new ArrayList<>();

	final Set<String> covered = new TreeSet<>();

	String sku;

	@BeforeEach
	void readTheDocument() {
		String document = new String(this.client.get()
			.uri("/v3/api-docs")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody(), StandardCharsets.UTF_8);
		this.validator = new OpenApiResponseValidator(document, this.jsonMapper);
		this.sku = "oas-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Test
	void everyOperationAnswersEachOfItsStatusesAsTheDocumentSays() {
		EntityExchangeResult<byte[]> created = send(HttpMethod.POST, "/catalog/items", EDITOR, item(this.sku, 100),
				null);
		String location = created.getResponseHeaders().getLocation().getPath();
		long id = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
		send(HttpMethod.POST, "/catalog/items", EDITOR, item(this.sku, 100), null);
		send(HttpMethod.POST, "/catalog/items", EDITOR, "{\"sku\":\"\"}", null);
		send(HttpMethod.POST, "/catalog/items", ANONYMOUS, item(this.sku + "-x", 100), null);
		send(HttpMethod.POST, "/catalog/items", ALICE, item(this.sku + "-x", 100), null);
		send(HttpMethod.POST, "/catalog/items", EDITOR, "{\"name\":\"" + "x".repeat(70_000) + "\"}", null);
		exchange(HttpMethod.POST, "/catalog/items", EDITOR,
				(spec) -> spec.contentType(MediaType.TEXT_PLAIN).bodyValue("sku=x"));
		String key = UUID.randomUUID().toString();
		exchange(HttpMethod.POST, "/catalog/items", EDITOR,
				(spec) -> spec.header("Idempotency-Key", key)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(item(this.sku + "-k", 1)));
		exchange(HttpMethod.POST, "/catalog/items", EDITOR,
				(spec) -> spec.header("Idempotency-Key", key)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(item(this.sku + "-k", 2)));

		String page = send(HttpMethod.GET, "/catalog?limit=2", ANONYMOUS, null, null).getResponseHeaders().getETag();
		send(HttpMethod.GET, "/catalog?limit=2", ANONYMOUS, null, page);
		send(HttpMethod.GET, "/catalog?limit=0", ANONYMOUS, null, null);
		String read = send(HttpMethod.GET, "/catalog/items/" + id, ANONYMOUS, null, null).getResponseHeaders()
			.getETag();
		send(HttpMethod.GET, "/catalog/items/" + id, ANONYMOUS, null, read);
		send(HttpMethod.GET, "/catalog/items/999999999", ANONYMOUS, null, null);
		send(HttpMethod.GET, "/catalog/items/abc", ANONYMOUS, null, null);

		String changed = ifMatch(HttpMethod.PUT, "/catalog/items/" + id, read, item(this.sku, 200)).getResponseHeaders()
			.getETag();
		ifMatch(HttpMethod.PUT, "/catalog/items/" + id, read, item(this.sku, 300));
		ifMatch(HttpMethod.PUT, "/catalog/items/999999999", "*", item(this.sku, 300));
		ifMatch(HttpMethod.PUT, "/catalog/items/" + id, "*", item(this.sku + "-k", 300));
		ifMatch(HttpMethod.PUT, "/catalog/items/" + id, "not-a-tag", item(this.sku, 300));
		send(HttpMethod.PUT, "/catalog/items/" + id, ANONYMOUS, item(this.sku, 300), null);
		send(HttpMethod.PUT, "/catalog/items/" + id, ALICE, item(this.sku, 300), null);
		send(HttpMethod.PUT, "/catalog/items/" + id, EDITOR, "{\"name\":\"" + "x".repeat(70_000) + "\"}", null);
		exchange(HttpMethod.PUT, "/catalog/items/" + id, EDITOR,
				(spec) -> spec.contentType(MediaType.TEXT_PLAIN).bodyValue("sku=x"));

		send(HttpMethod.GET, "/me/favorites", ANONYMOUS, null, null);
		send(HttpMethod.PUT, "/me/favorites/" + id, ALICE, null, null);
		send(HttpMethod.PUT, "/me/favorites/999999999", ALICE, null, null);
		send(HttpMethod.PUT, "/me/favorites/abc", ALICE, null, null);
		send(HttpMethod.PUT, "/me/favorites/" + id, ANONYMOUS, null, null);
		String favorites = send(HttpMethod.GET, "/me/favorites", ALICE, null, null).getResponseHeaders().getETag();
		send(HttpMethod.GET, "/me/favorites", ALICE, null, favorites);
		send(HttpMethod.DELETE, "/me/favorites/" + id, ALICE, null, null);
		send(HttpMethod.DELETE, "/me/favorites/999999999", ALICE, null, null);

		send(HttpMethod.POST, "/admin/cache/purge", OPS, "{\"items\":[" + id + "],\"listings\":true}", null);
		send(HttpMethod.POST, "/admin/cache/purge", OPS, "{\"nothing\":true}", null);
		send(HttpMethod.POST, "/admin/cache/purge", ANONYMOUS, "{\"listings\":true}", null);
		send(HttpMethod.POST, "/admin/cache/purge", ALICE, "{\"listings\":true}", null);

		send(HttpMethod.DELETE, "/catalog/items/" + id, ANONYMOUS, null, null);
		send(HttpMethod.DELETE, "/catalog/items/" + id, ALICE, null, null);
		ifMatch(HttpMethod.DELETE, "/catalog/items/" + id, read, null);
		ifMatch(HttpMethod.DELETE, "/catalog/items/" + id, changed, null);
		ifMatch(HttpMethod.DELETE, "/catalog/items/" + id, "*", null);

		assertThat(this.mismatches).isEmpty();
		assertThat(this.covered.stream().map((answer) -> answer.substring(answer.lastIndexOf(' ') + 1)))
			.containsAll(List.of("200", "201", "202", "204", "304", "400", "401", "403", "404", "409", "412", "413",
					"415", "422"));
		assertThat(this.covered.stream().map((answer) -> answer.substring(0, answer.lastIndexOf(' '))))
			.containsAll(this.validator.operations());
	}

	private EntityExchangeResult<byte[]> send(HttpMethod method, String uri, Consumer<HttpHeaders> credentials,
			String json, String ifNoneMatch) {
		return exchange(method, uri, credentials, (spec) -> {
			if (ifNoneMatch != null) {
				spec.header(HttpHeaders.IF_NONE_MATCH, ifNoneMatch);
			}
			if (json != null) {
				spec.contentType(MediaType.APPLICATION_JSON).bodyValue(json);
			}
		});
	}

	private EntityExchangeResult<byte[]> ifMatch(HttpMethod method, String uri, String ifMatch, String json) {
		return exchange(method, uri, EDITOR, (spec) -> {
			spec.header(HttpHeaders.IF_MATCH, ifMatch);
			if (json != null) {
				spec.contentType(MediaType.APPLICATION_JSON).bodyValue(json);
			}
		});
	}

	private EntityExchangeResult<byte[]> exchange(HttpMethod method, String uri, Consumer<HttpHeaders> credentials,
			Consumer<WebTestClient.RequestBodySpec> request) {
		WebTestClient.RequestBodySpec spec = this.client.method(method)
			.uri(uri)
			.headers(credentials)
			.header(HttpHeaders.ACCEPT_ENCODING, "identity");
		request.accept(spec);
		EntityExchangeResult<byte[]> result = spec.exchange().expectBody().returnResult();
		int status = result.getStatus().value();
		String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
		this.covered.add(operationOf(method, path) + " " + status);
		for (String mismatch : this.validator.mismatches(method.name(), path, status, result.getResponseHeaders(),
				result.getResponseBody())) {
			this.mismatches.add(method + " " + uri + " -> " + status + ": " + mismatch);
		}
		return result;
	}

	private static String operationOf(HttpMethod method, String path) {
		String template = path.replaceAll("^/catalog/items/[^/]+$", "/catalog/items/{id}")
			.replaceAll("^/me/favorites/[^/]+$", "/me/favorites/{itemId}");
		return method.name() + " " + template;
	}

	private static String item(String sku, long price) {
		return "{\"sku\":\"" + sku + "\",\"name\":\"Described\",\"category\":\"oas\",\"priceCents\":" + price + "}";
	}

}
