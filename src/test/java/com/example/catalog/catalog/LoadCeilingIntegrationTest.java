package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.IntegrationTest;
import com.example.catalog.system.OpenApiResponseValidator;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With room for one load at a time and no waiting, a burst of distinct misses gets some
 * of its pages and, for the rest, the documented 503: the database pool never becomes
 * their queue.
 */
@IntegrationTest
@TestPropertySource(properties = { "catalog.cache.max-concurrent-loads=1", "catalog.cache.load-queue-timeout=0s" })
class LoadCeilingIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	JsonMapper jsonMapper;

	@LocalServerPort
	int port;

	@Test
	void missesPastTheCeilingOfConcurrentLoadsAre503sWithRetryAfterAsTheDocumentSays() {
		String category = "ceiling-" + UUID.randomUUID().toString().substring(0, 8);
		WebClient http = WebClient.create("http://127.0.0.1:" + this.port);
		List<ResponseEntity<byte[]>> answers = Flux.range(1, 48)
			.flatMap((limit) -> http.get()
				.uri("/catalog?category={category}&limit={limit}", category, limit)
				.header(HttpHeaders.ACCEPT_ENCODING, "identity")
				.exchangeToMono((response) -> response.toEntity(byte[].class))
				.switchIfEmpty(Mono.error(new IllegalStateException("no answer"))), 48)
			.collectList()
			.block(Duration.ofSeconds(30));

		assertThat(answers).extracting((answer) -> answer.getStatusCode().value()).containsOnly(200, 503).contains(200);
		List<ResponseEntity<byte[]>> refused = answers.stream()
			.filter((answer) -> answer.getStatusCode().value() == 503)
			.toList();
		assertThat(refused).as("misses refused while another load ran").isNotEmpty();
		OpenApiResponseValidator validator = new OpenApiResponseValidator(new String(
				this.client.get().uri("/v3/api-docs").exchange().expectBody().returnResult().getResponseBody(),
				StandardCharsets.UTF_8), this.jsonMapper);
		for (ResponseEntity<byte[]> answer : refused) {
			assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
			assertThat(validator.mismatches("GET", "/catalog", 503, answer.getHeaders(), answer.getBody())).isEmpty();
		}
	}

}
