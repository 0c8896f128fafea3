package com.example.catalog.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code PUT} and {@code DELETE} of an item with {@code If-Match}, against real
 * PostgreSQL and Redis: the ETag of {@code GET /catalog/items/{id}} names the item's
 * version, a stale one is a 412 naming the current one, and of editors racing with the
 * same ETag exactly one wins.
 */
@IntegrationTest
class ConditionalWritesIntegrationTest {

	private static final Consumer<HttpHeaders> EDITOR = (headers) -> headers.setBasicAuth("editor", "editor-secret");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@Autowired
	JsonMapper jsonMapper;

	@LocalServerPort
	int port;

	String sku;

	@BeforeEach
	void freshSku() {
		this.sku = "cond-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Test
	void theETagsOfCreateReadAndChangeNameTheVersionAndChainConditionalChanges() {
		var created = this.client.post()
			.uri("/catalog/items")
			.headers(EDITOR)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body(100))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(Item.class)
			.returnResult();
		String createdTag = created.getResponseHeaders().getETag();
		long id = created.getResponseBody().id();
		assertThat(created.getResponseBody().version()).isEqualTo(1);
		assertThat(etagOfGet(id)).isEqualTo(createdTag);

		var changed = put(id, createdTag, 200).expectStatus().isOk().expectBody(Item.class).returnResult();
		String changedTag = changed.getResponseHeaders().getETag();
		assertThat(changed.getResponseBody().version()).isEqualTo(2);
		assertThat(changedTag).startsWith("\"").isNotEqualTo(createdTag);
		assertThat(etagOfGet(id)).isEqualTo(changedTag);

		// The same values again are a new version, with an ETag of its own.
		String again = put(id, changedTag, 200).expectStatus()
			.isOk()
			.returnResult(Item.class)
			.getResponseHeaders()
			.getETag();
		assertThat(again).isNotEqualTo(changedTag);
		put(id, again, 300).expectStatus().isOk();
	}

	@Test
	void aStaleETagIsA412ThatNamesTheCurrentVersionAndChangesNothing() {
		long id = create(100);
		String read = etagOfGet(id);
		put(id, read, 200).expectStatus().isOk();
		String current = etagOfGet(id);

		put(id, read, 999).expectStatus()
			.isEqualTo(HttpStatus.PRECONDITION_FAILED)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.valueEquals(HttpHeaders.ETAG, current)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(412);
		assertThat(price(id)).isEqualTo(200);

		delete(id, read).expectStatus()
			.isEqualTo(HttpStatus.PRECONDITION_FAILED)
			.expectHeader()
			.valueEquals(HttpHeaders.ETAG, current);
		delete(id, current).expectStatus().isNoContent();
		this.client.get().uri("/catalog/items/{id}", id).exchange().expectStatus().isNotFound();
	}

	@Test
	void aChangeMadeInSqlMakesTheETagReadBeforeItStale() {
		long id = create(100);
		String read = etagOfGet(id);
		this.db.sql("UPDATE items SET price_cents = 150 WHERE id = :id").bind("id", id).then().block();

		put(id, read, 200).expectStatus().isEqualTo(HttpStatus.PRECONDITION_FAILED);
		assertThat(price(id)).isEqualTo(150);
	}

	@Test
	void theGzipETagOfAVersionMatchesAndAWeakOneNeverDoes() {
		long id = create(100);
		String gzipTag = etagOfGet(id, "gzip");
		assertThat(gzipTag).endsWith("-gzip\"");

		put(id, "W/" + etagOfGet(id), 200).expectStatus().isEqualTo(HttpStatus.PRECONDITION_FAILED);
		put(id, "\"other\", " + gzipTag, 200).expectStatus().isOk();
	}

	@Test
	void ifMatchStarChangesAnItemThatExistsAndA404OtherwiseAndNoIfMatchChangesWhateverTheVersion() {
		long id = create(100);
		put(id, "*", 200).expectStatus().isOk();
		put(id, null, 300).expectStatus().isOk();
		assertThat(price(id)).isEqualTo(300);
		delete(id, "*").expectStatus().isNoContent();
		put(id, "*", 400).expectStatus().isNotFound();
		put(id, "\"gone\"", 400).expectStatus().isNotFound();
		delete(id, "*").expectStatus().isNotFound();
	}

	@Test
	void aMalformedIfMatchIsA400NamingTheHeader() {
		long id = create(100);
		for (String malformed : List.of("abc", "\"unterminated", "*, \"a\"", "W/abc")) {
			put(id, malformed, 200).expectStatus()
				.isBadRequest()
				.expectBody()
				.jsonPath("$.parameter")
				.isEqualTo("If-Match");
		}
		assertThat(price(id)).isEqualTo(100);
	}

	/**
	 * Eight editors read the same version and change it at once, ten times over: each
	 * time exactly one change is made, the others get a 412 naming the winner's version.
	 */
	@Test
	void ofEditorsRacingWithTheSameETagExactlyOneWinsAndTheOthersGet412() {
		long id = create(100);
		WebClient http = WebClient.create("http://127.0.0.1:" + this.port);
		for (int round = 0; round < 10; round++) {
			String read = etagOfGet(id);
			int base = (round + 1) * 1000;
			// Bodies are decoded here, off the client's event loop.
			List<ResponseEntity<String>> answers = Flux.range(0, 8)
				.flatMap((editor) -> http.put()
					.uri("/catalog/items/{id}", id)
					.headers(EDITOR)
					.header(HttpHeaders.IF_MATCH, read)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(body(base + editor))
					.exchangeToMono((response) -> response.toEntity(String.class)), 8)
				.collectList()
				.block(Duration.ofSeconds(30));
			List<ResponseEntity<String>> won = new ArrayList<>();
			for (ResponseEntity<String> answer : answers) {
				if (answer.getStatusCode() == HttpStatus.OK) {
					won.add(answer);
				}
				else {
					assertThat(answer.getStatusCode()).as("round %d", round).isEqualTo(HttpStatus.PRECONDITION_FAILED);
				}
			}
			assertThat(won).as("round %d: answers %s", round, answers).hasSize(1);
			ResponseEntity<String> winner = won.get(0);
			assertThat(answers).filteredOn((answer) -> answer.getStatusCode() == HttpStatus.PRECONDITION_FAILED)
				.allSatisfy((lost) -> assertThat(lost.getHeaders().getETag()).isEqualTo(winner.getHeaders().getETag()));
			assertThat(price(id)).isEqualTo(this.jsonMapper.readValue(winner.getBody(), Item.class).priceCents());
			assertThat(version(id)).isEqualTo(round + 2);
		}
	}

	private long create(long price) {
		return Editor.createItemId(this.client, this.sku, "Conditional", "cond", price);
	}

	/** The ETag of the item's JSON (WebTestClient would ask for gzip). */
	private String etagOfGet(long id) {
		return etagOfGet(id, "identity");
	}

	private String etagOfGet(long id, String contentCoding) {
		return this.client.get()
			.uri("/catalog/items/{id}", id)
			.header(HttpHeaders.ACCEPT_ENCODING, contentCoding)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(byte[].class)
			.getResponseHeaders()
			.getETag();
	}

	private WebTestClient.ResponseSpec put(long id, String ifMatch, long price) {
		return this.client.put().uri("/catalog/items/{id}", id).headers(EDITOR).headers((headers) -> {
			if (ifMatch != null) {
				headers.set(HttpHeaders.IF_MATCH, ifMatch);
			}
		}).contentType(MediaType.APPLICATION_JSON).bodyValue(body(price)).exchange();
	}

	private WebTestClient.ResponseSpec delete(long id, String ifMatch) {
		return this.client.delete()
			.uri("/catalog/items/{id}", id)
			.headers(EDITOR)
			.header(HttpHeaders.IF_MATCH, ifMatch)
			.exchange();
	}

	private long price(long id) {
		return CatalogPage.storedColumn(this.db, id, "price_cents");
	}

	private long version(long id) {
		return CatalogPage.storedColumn(this.db, id, "version");
	}

	private String body(long price) {
		return "{\"sku\":\"" + this.sku + "\",\"name\":\"Conditional\",\"category\":\"cond\",\"priceCents\":" + price
				+ "}";
	}

}
