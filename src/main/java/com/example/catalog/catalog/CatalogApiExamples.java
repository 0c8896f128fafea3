package com.example.catalog.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;

import com.example.catalog.system.OpenApiConfiguration;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Examples of the catalog's request and response bodies in the OpenAPI document, which
 * Swagger UI fills "Try it out" with. The response-validation test holds them to the
 * schemas, as Redocly's lint does.
 */
@Configuration(proxyBeanMethods = false)
class CatalogApiExamples {

	@Bean
	OpenApiCustomizer catalogExamples() {
		return (openApi) -> {
			Map<String, Object> input = input();
			Map<String, Object> item = item();
			OpenApiConfiguration.example(openApi, "listItems", "200",
					Map.of("items", List.of(item), "nextCursor", "eyJrIjoiNDIiLCJpZCI6NDJ9"));
			OpenApiConfiguration.example(openApi, "getItem", "200", item);
			OpenApiConfiguration.example(openApi, "createItem", null, input);
			OpenApiConfiguration.example(openApi, "createItem", "201", item);
			OpenApiConfiguration.example(openApi, "replaceItem", null, input);
			OpenApiConfiguration.example(openApi, "replaceItem", "200", item);
			OpenApiConfiguration.example(openApi, "purgeCache", null,
					Map.of("categories", List.of("decor"), "items", List.of(17, 18), "listings", true));
			OpenApiConfiguration.example(openApi, "purgeCache", "202",
					Map.of("invalidated", List.of("items:17", "items:18", "listings")));
		};
	}

	private static Map<String, Object> input() {
		Map<String, Object> input = new LinkedHashMap<>();
		input.put("sku", "LAMP-42");
		input.put("name", "Brass desk lamp");
		input.put("description", "Warm light");
		input.put("category", "decor");
		input.put("priceCents", 4900);
		return input;
	}

	private static Map<String, Object> item() {
		Map<String, Object> item = new LinkedHashMap<>();
		item.put("id", 42);
		item.putAll(input());
		item.put("createdAt", "2026-11-30T12:00:00Z");
		item.put("version", 1);
		return item;
	}

}
