package com.example.catalog.system;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI description documents every endpoint, its parameters and errors, and the
 * authentication scheme; Swagger UI is reachable.
 */
@IntegrationTest
class OpenApiIntegrationTest {

	@Autowired
	WebTestClient client;

	@Test
	@SuppressWarnings("unchecked")
	void apiDocsDescribeEveryEndpointAndTheBasicScheme() {
		Map<String, Object> docs = this.client.get()
			.uri("/v3/api-docs")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
		Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) docs.get("paths");
		assertThat(paths).containsKeys("/catalog", "/catalog/items", "/catalog/items/{id}", "/me/favorites",
				"/me/favorites/{itemId}");
		assertThat(paths.get("/catalog/items/{id}")).containsKeys("get", "put", "delete");
		Map<String, Object> list = (Map<String, Object>) paths.get("/catalog").get("get");
		assertThat(list.get("parameters").toString()).contains("category", "minPrice", "maxPrice", "sort", "limit",
				"cursor", "q");
		assertThat(((Map<String, Object>) list.get("responses"))).containsKeys("200", "304", "400", "503");
		Map<String, Object> create = (Map<String, Object>) paths.get("/catalog/items").get("post");
		assertThat(((Map<String, Object>) create.get("responses"))).containsKeys("201", "400", "401", "403", "409",
				"413", "415", "422");
		assertThat(docs.get("components").toString()).contains("basicAuth", "scheme=basic");
	}

	@Test
	void swaggerUiIsServed() {
		this.client.get().uri("/swagger-ui.html").exchange().expectStatus().is3xxRedirection();
		this.client.get().uri("/swagger-ui/index.html").exchange().expectStatus().isOk();
	}

}
