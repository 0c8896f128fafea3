package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /catalog/items} with an {@code Idempotency-Key}, and the checks of its
 * body, against real PostgreSQL and Redis.
 * <p>
 * A second editor account exists here (at the price of an application context of its own)
 * because keys belong to a principal: only two principals allowed to POST can show that
 * one's key does not affect the other's.
 */
@IntegrationTest
@TestPropertySource(properties = { "catalog.security.users.editor2.password={noop}editor2-secret",
		"catalog.security.users.editor2.roles=EDITOR" })
class IdempotencyIntegrationTest {

	private static final String KEY = "Idempotency-Key";

	private static final Consumer<HttpHeaders> EDITOR = (headers) -> headers.setBasicAuth("editor", "editor-secret");

	private static final Consumer<HttpHeaders> EDITOR2 = (headers) -> headers.setBasicAuth("editor2", "editor2-secret");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@LocalServerPort
	int port;

	String sku;

	String key;

	@BeforeEach
	void freshSkuAndKey() {
		String unique = UUID.randomUUID().toString();
		this.sku = "idem-" + unique.substring(0, 8);
		this.key = "key-" + unique;
	}

	@Test
	void sameKeyAndBodyGetTheFirstResponseAgainAndCreateOnce() {
		String body = item(this.sku, 1999);
		EntityExchangeResult<byte[]> first = post(EDITOR, this.key, body).expectStatus()
			.isCreated()
			.expectBody()
			.returnResult();
		assertThat(first.getResponseHeaders().getLocation()).isNotNull();
		for (int retry = 0; retry < 3; retry++) {
			EntityExchangeResult<byte[]> again = post(EDITOR, this.key, body).expectStatus()
				.isCreated()
				.expectBody()
				.returnResult();
			assertThat(again.getResponseBody()).isEqualTo(first.getResponseBody());
			assertThat(again.getResponseHeaders().getLocation()).isEqualTo(first.getResponseHeaders().getLocation());
			assertThat(again.getResponseHeaders().getContentType())
				.isEqualTo(first.getResponseHeaders().getContentType());
		}
		assertThat(rows(this.sku)).isEqualTo(1);
		this.client.get()
			.uri(first.getResponseHeaders().getLocation().getPath())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.sku")
			.isEqualTo(this.sku);
	}

	@Test
	void sameKeyWithAnotherBodyIsUnprocessable() {
		String body = item(this.sku, 1999);
		byte[] first = post(EDITOR, this.key, body).expectStatus()
			.isCreated()
			.expectBody()
			.returnResult()
			.getResponseBody();
		for (String other : List.of(item(this.sku, 2000), item(this.sku + "-other", 1999))) {
			post(EDITOR, this.key, other).expectStatus()
				.isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(422)
				.jsonPath("$.title")
				.isNotEmpty();
		}
		assertThat(rows(this.sku)).isEqualTo(1);
		assertThat(rows(this.sku + "-other")).isZero();
		// the key still stands for the first request
		post(EDITOR, this.key, body).expectStatus().isCreated().expectBody().consumeWith(sameBody(first));
	}

	@Test
	void keysOfOnePrincipalDoNotAffectAnother() {
		byte[] first = post(EDITOR, this.key, item(this.sku, 100)).expectStatus()
			.isCreated()
			.expectBody()
			.returnResult()
			.getResponseBody();
		// another editor with the same key and another body: a request of its own, no 422
		byte[] second = post(EDITOR2, this.key, item(this.sku + "-2", 200)).expectStatus()
			.isCreated()
			.expectBody()
			.returnResult()
			.getResponseBody();
		assertThat(second).isNotEqualTo(first);
		post(EDITOR, this.key, item(this.sku, 100)).expectStatus()
			.isCreated()
			.expectBody()
			.consumeWith(sameBody(first));
		post(EDITOR2, this.key, item(this.sku + "-2", 200)).expectStatus()
			.isCreated()
			.expectBody()
			.consumeWith(sameBody(second));
		assertThat(rows(this.sku)).isEqualTo(1);
		assertThat(rows(this.sku + "-2")).isEqualTo(1);

		// an account that may not create gets 403 whatever key it sends
		post((headers) -> headers.setBasicAuth("alice", "alice-secret"), this.key, item(this.sku, 100)).expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void sameKeyWithTheSameBodyOfAnotherPrincipalIsRunAgain() {
		post(EDITOR, this.key, item(this.sku, 100)).expectStatus().isCreated();
		post(EDITOR2, this.key, item(this.sku, 100)).expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectBody()
			.jsonPath("$.field")
			.isEqualTo("sku");
		assertThat(rows(this.sku)).isEqualTo(1);
	}

	@Test
	void twentyConcurrentDuplicatesCreateOnceAndAllGetTheSameResponse() {
		String body = item(this.sku, 4242);
		ConnectionProvider connections = ConnectionProvider.builder("idempotency").maxConnections(25).build();
		try {
			WebClient webClient = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
				.baseUrl("http://127.0.0.1:" + this.port)
				.build();
			List<String> answers = Flux.range(0, 20)
				.flatMap((i) -> webClient.post()
					.uri("/catalog/items")
					.headers(EDITOR)
					.header(KEY, this.key)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(body)
					.exchangeToMono((response) -> response.bodyToMono(String.class)
						.map((text) -> response.statusCode().value() + " "
								+ response.headers().asHttpHeaders().getLocation() + " " + text)),
						20)
				.collectList()
				.block(Duration.ofSeconds(30));
			assertThat(answers).hasSize(20)
				.allSatisfy((answer) -> assertThat(answer).startsWith("201 /catalog/items/"));
			assertThat(answers).containsOnly(answers.get(0));
			assertThat(rows(this.sku)).isEqualTo(1);
		}
		finally {
			connections.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void concurrentRequestsWithOneKeyAndTwoBodiesCreateOnlyOne() {
		String one = item(this.sku + "-a", 100);
		String other = item(this.sku + "-b", 100);
		ConnectionProvider connections = ConnectionProvider.builder("idempotency-two").maxConnections(25).build();
		try {
			WebClient webClient = WebClient.builder()
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
				.baseUrl("http://127.0.0.1:" + this.port)
				.build();
			List<String> answers = Flux.range(0, 16)
				.flatMap((i) -> webClient.post()
					.uri("/catalog/items")
					.headers(EDITOR)
					.header(KEY, this.key)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue((i % 2 == 0) ? one : other)
					.exchangeToMono((response) -> response.bodyToMono(String.class)
						.map((text) -> ((i % 2 == 0) ? "a " : "b ") + response.statusCode().value() + " " + text)), 16)
				.collectList()
				.block(Duration.ofSeconds(30));
			long createdA = rows(this.sku + "-a");
			long createdB = rows(this.sku + "-b");
			assertThat(createdA + createdB).isEqualTo(1);
			String winner = (createdA == 1) ? "a " : "b ";
			List<String> won = answers.stream().filter((answer) -> answer.startsWith(winner)).toList();
			List<String> lost = answers.stream().filter((answer) -> !answer.startsWith(winner)).toList();
			assertThat(won).hasSize(8).allSatisfy((answer) -> assertThat(answer).startsWith(winner + "201 "));
			assertThat(won).containsOnly(won.get(0));
			assertThat(lost).hasSize(8).allSatisfy((answer) -> assertThat(answer).contains(" 422 "));
		}
		finally {
			connections.disposeLater().block(Duration.ofSeconds(5));
		}
	}

	@Test
	void keyOlderThan24HoursIsFreeAgain() {
		post(EDITOR, this.key, item(this.sku, 100)).expectStatus().isCreated();
		this.db
			.sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' "
					+ "WHERE principal = 'editor' AND idempotency_key = :key")
			.bind("key", this.key)
			.fetch()
			.rowsUpdated()
			.block(Duration.ofSeconds(10));
		// another body: no 422, the key is taken anew
		post(EDITOR, this.key, item(this.sku + "-later", 100)).expectStatus().isCreated();
		assertThat(rows(this.sku + "-later")).isEqualTo(1);
		post(EDITOR, this.key, item(this.sku, 100)).expectStatus().isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT);
	}

	@Test
	void retryOfAConflictGetsTheConflictAgain() {
		long taken = ((Number) post(EDITOR, null, item(this.sku, 100)).expectStatus()
			.isCreated()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody()
			.get("id")).longValue();
		String conflicting = item(this.sku, 200);
		byte[] conflict = post(EDITOR, this.key, conflicting).expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(409)
			.jsonPath("$.title")
			.isNotEmpty()
			.jsonPath("$.field")
			.isEqualTo("sku")
			.returnResult()
			.getResponseBody();
		post(EDITOR, this.key, conflicting).expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.consumeWith(sameBody(conflict));

		// even once the sku is free again the retry is answered, not run again
		this.client.delete().uri("/catalog/items/" + taken).headers(EDITOR).exchange().expectStatus().isNoContent();
		post(EDITOR, this.key, conflicting).expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectBody()
			.consumeWith(sameBody(conflict));
		assertThat(rows(this.sku)).isZero();
	}

	@Test
	void invalidIdempotencyKeysAreBadRequestsNamingTheHeader() {
		for (String invalid : List.of("k".repeat(201), "has space", "tab\tinside", "caf\u00e9")) {
			this.client.post()
				.uri("/catalog/items")
				.headers(EDITOR)
				.header(KEY, invalid)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(item(this.sku, 100))
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(400)
				.jsonPath("$.title")
				.isNotEmpty()
				.jsonPath("$.parameter")
				.isEqualTo(KEY);
		}
		this.client.post()
			.uri("/catalog/items")
			.headers(EDITOR)
			.header(KEY, "one", "two")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(item(this.sku, 100))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo(KEY);
		assertThat(rows(this.sku)).isZero();
		// 200 characters are allowed
		post(EDITOR, (this.key + "k".repeat(200)).substring(0, 200), item(this.sku, 100)).expectStatus().isCreated();
	}

	@Test
	void bodyOver64KiBIsContentTooLarge() {
		String largest = sized(64 * 1024);
		String tooLarge = sized(64 * 1024 + 1);
		assertThat(largest.getBytes(StandardCharsets.UTF_8)).hasSize(64 * 1024);
		// at the limit the body is read (and its description is too long)
		expectProblem(post(EDITOR, this.key, largest), HttpStatus.BAD_REQUEST).jsonPath("$.field")
			.isEqualTo("description");
		expectProblem(post(EDITOR, this.key + "-2", tooLarge), HttpStatus.CONTENT_TOO_LARGE);
		// the same without a declared length
		byte[] bytes = tooLarge.getBytes(StandardCharsets.UTF_8);
		Flux<DataBuffer> chunks = Flux.range(0, 17)
			.map((i) -> DefaultDataBufferFactory.sharedInstance
				.wrap(java.util.Arrays.copyOfRange(bytes, i * 4096, Math.min(bytes.length, (i + 1) * 4096))));
		expectProblem(this.client.post()
			.uri("/catalog/items")
			.headers(EDITOR)
			.contentType(MediaType.APPLICATION_JSON)
			.body(BodyInserters.fromDataBuffers(chunks))
			.exchange(), HttpStatus.CONTENT_TOO_LARGE);
		assertThat(rows(this.sku)).isZero();
	}

	@Test
	void bodyThatIsNotJsonIsUnsupportedMediaType() {
		expectProblem(this.client.post()
			.uri("/catalog/items")
			.headers(EDITOR)
			.header(KEY, this.key)
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue(item(this.sku, 100))
			.exchange(), HttpStatus.UNSUPPORTED_MEDIA_TYPE);
		expectProblem(this.client.post()
			.uri("/catalog/items")
			.headers(EDITOR)
			.bodyValue(item(this.sku, 100).getBytes(StandardCharsets.UTF_8))
			.exchange(), HttpStatus.UNSUPPORTED_MEDIA_TYPE);
		assertThat(rows(this.sku)).isZero();
		// a key used by a request that was turned away is still free
		post(EDITOR, this.key, item(this.sku, 100)).expectStatus().isCreated();
	}

	@Test
	void malformedJsonIsBadRequest() {
		for (String malformed : List.of("{\"sku\":", "{\"sku\":\"" + this.sku + "\",}", "not json", "[]", "null",
				"\"a string\"")) {
			expectProblem(post(EDITOR, this.key, malformed), HttpStatus.BAD_REQUEST);
		}
		assertThat(rows(this.sku)).isZero();
		post(EDITOR, this.key, item(this.sku, 100)).expectStatus().isCreated();
	}

	@Test
	void invalidFieldsAreBadRequestsNamingTheField() {
		Map<String, String> cases = Map.of("{\"name\":\"No sku\",\"category\":\"idem\",\"priceCents\":1}", "sku",
				"{\"sku\":\"" + this.sku + "\",\"name\":\"Abc\",\"category\":\"idem\",\"priceCents\":\"abc\"}",
				"priceCents",
				"{\"sku\":\"" + this.sku + "\",\"name\":\"Abc\",\"category\":\"idem\",\"priceCents\":1.5}",
				"priceCents", "{\"sku\":\"" + this.sku + "\",\"name\":\"Abc\",\"category\":\"idem\",\"priceCents\":-1}",
				"priceCents",
				"{\"sku\":\"" + this.sku
						+ "\",\"name\":\"Abc\",\"category\":\"idem\",\"priceCents\":99999999999999999999}",
				"priceCents", "{\"sku\":\"" + this.sku + "\",\"category\":\"idem\",\"priceCents\":1}", "name",
				"{\"sku\":\"bad sku\",\"name\":\"Abc\",\"category\":\"idem\",\"priceCents\":1}", "sku",
				"{\"sku\":\"" + this.sku
						+ "\",\"name\":\"Abc\",\"category\":\"idem\",\"priceCents\":1,\"colour\":\"red\"}",
				"colour", "{\"sku\":\"" + this.sku + "\",\"name\":\"Abc\",\"category\":7,\"priceCents\":1}",
				"category");
		cases.forEach(
				(body, field) -> expectProblem(post(EDITOR, this.key, body), HttpStatus.BAD_REQUEST).jsonPath("$.field")
					.isEqualTo(field));
		assertThat(rows(this.sku)).isZero();
	}

	private WebTestClient.ResponseSpec post(Consumer<HttpHeaders> credentials, String idempotencyKey, String json) {
		return this.client.post().uri("/catalog/items").headers(credentials).headers((headers) -> {
			if (idempotencyKey != null) {
				headers.set(KEY, idempotencyKey);
			}
		}).contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
	}

	private static Consumer<EntityExchangeResult<byte[]>> sameBody(byte[] expected) {
		return (result) -> assertThat(result.getResponseBody()).isEqualTo(expected);
	}

	private static WebTestClient.BodyContentSpec expectProblem(WebTestClient.ResponseSpec response, HttpStatus status) {
		return response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(status.value())
			.jsonPath("$.title")
			.isNotEmpty();
	}

	private String item(String sku, long priceCents) {
		return "{\"sku\":\"" + sku + "\",\"name\":\"Item " + sku
				+ "\",\"description\":\"Idempotency test\",\"category\":\"idem\",\"priceCents\":" + priceCents + "}";
	}

	/** A valid item except for its description, exactly {@code size} bytes long. */
	private String sized(int size) {
		String head = "{\"sku\":\"" + this.sku + "\",\"name\":\"Large\",\"category\":\"idem\",\"priceCents\":1,"
				+ "\"description\":\"";
		String tail = "\"}";
		return head + "d".repeat(size - head.length() - tail.length()) + tail;
	}

	private long rows(String sku) {
		return this.db.sql("SELECT count(*) FROM items WHERE sku = :sku")
			.bind("sku", sku)
			.map((row) -> row.get(0, Long.class))
			.one()
			.block(Duration.ofSeconds(10));
	}

}
