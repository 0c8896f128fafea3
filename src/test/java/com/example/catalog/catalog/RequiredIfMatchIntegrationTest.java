package com.example.catalog.catalog;

import java.util.UUID;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

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
 * an item without {@code If-Match} is a 428 and changes nothing; with one it proceeds.
 */
@IntegrationTest
@TestPropertySource(properties = "catalog.writes.require-if-match=true")
class RequiredIfMatchIntegrationTest {

	private static final Consumer<HttpHeaders> EDITOR = (headers) -> headers.setBasicAuth("editor", "editor-secret");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

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

	private long version(long id) {
		return this.db.sql("SELECT version FROM items WHERE id = :id")
			.bind("id", id)
			.map((row) -> row.get(0, Long.class))
			.one()
			.block();
	}

}
