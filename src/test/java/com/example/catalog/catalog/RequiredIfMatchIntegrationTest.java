package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.IntegrationTest;
import com.example.catalog.system.OpenApiResponseValidator;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code catalog.writes.require-if-match=true}, a {@code PUT} or {@code DELETE} of
 * an item without {@code If-Match} is a 428 and changes nothing; with one it proceeds. A
 * read whose load meets a database that does not answer within the load timeout (here the
 * {@code items} table locked by the test) is a 503. Both answer as the served OpenAPI
 * document says.
 */
@IntegrationTest
@TestPropertySource(properties = { "catalog.writes.require-if-match=true", "catalog.cache.load-timeout=200ms" })
class RequiredIfMatchIntegrationTest {

	private static final Consumer<HttpHeaders> EDITOR = (headers) -> headers.setBasicAuth("editor", "editor-secret");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@Autowired
	JsonMapper jsonMapper;

	@Test
	void aChangeWithoutIfMatchIsA428AndChangesNothingAndOneWithItProceeds() {
		String body = "{\"sku\":\"req-" + UUID.randomUUID().toString().substring(0, 8)
				+ "\",\"name\":\"Required\",\"category\":\"req\",\"priceCents\":100}";
		var created = this.client.post()
			.uri("/catalog/items")
			.headers(EDITOR)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(Item.class)
			.returnResult();
		long id = created.getResponseBody().id();
		String etag = created.getResponseHeaders().getETag();

		this.client.put()
			.uri("/catalog/items/{id}", id)
			.headers(EDITOR)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body.replace("100", "200"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.PRECONDITION_REQUIRED)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(428);
		this.client.delete()
			.uri("/catalog/items/{id}", id)
			.headers(EDITOR)
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.PRECONDITION_REQUIRED);
		assertThat(version(id)).isEqualTo(1);

		this.client.put()
			.uri("/catalog/items/{id}", id)
			.headers(EDITOR)
			.header(HttpHeaders.IF_MATCH, etag)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body.replace("100", "200"))
			.exchange()
			.expectStatus()
			.isOk();
		this.client.delete()
			.uri("/catalog/items/{id}", id)
			.headers(EDITOR)
			.header(HttpHeaders.IF_MATCH, "*")
			.exchange()
			.expectStatus()
			.isNoContent();
	}

	@Test
	void the428AndTheUnavailableDatabase503AnswerAsTheServedDocumentSays() {
		OpenApiResponseValidator validator = new OpenApiResponseValidator(new String(
				this.client.get().uri("/v3/api-docs").exchange().expectBody().returnResult().getResponseBody(),
				StandardCharsets.UTF_8), this.jsonMapper);
		var required = this.client.put()
			.uri("/catalog/items/1")
			.headers(EDITOR)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"sku\":\"a\",\"name\":\"a\",\"category\":\"a\",\"priceCents\":1}")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.PRECONDITION_REQUIRED)
			.expectBody()
			.returnResult();
		assertThat(validator.mismatches("PUT", "/catalog/items/1", 428, required.getResponseHeaders(),
				required.getResponseBody()))
			.isEmpty();
		var unavailable = whileItemsAreLocked(() -> this.client.get()
			.uri("/catalog?category=" + UUID.randomUUID())
			.header(HttpHeaders.ACCEPT_ENCODING, "identity")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.returnResult());
		assertThat(validator.mismatches("GET", "/catalog", 503, unavailable.getResponseHeaders(),
				unavailable.getResponseBody()))
			.isEmpty();
	}

	/**
	 * Runs {@code request} while another transaction holds {@code items} exclusively, so
	 * that every load waits past the load timeout whatever the machine's speed.
	 */
	private <T> T whileItemsAreLocked(Supplier<T> request) {
		Connection locker = Mono.from(this.db.getConnectionFactory().create()).block();
		try {
			Mono.from(locker.beginTransaction()).block();
			Flux.from(locker.createStatement("LOCK TABLE items IN ACCESS EXCLUSIVE MODE").execute())
				.flatMap(Result::getRowsUpdated)
				.blockLast();
			return request.get();
		}
		finally {
			Mono.from(locker.rollbackTransaction()).then(Mono.from(locker.close())).block();
		}
	}

	private long version(long id) {
		return CatalogPage.storedColumn(this.db, id, "version");
	}

}
