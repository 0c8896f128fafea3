package com.example.catalog.catalog;

import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.Set;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.ApiDocs;
import com.example.catalog.system.ClientLimits;
import com.example.catalog.system.JsonRequestBody;
import com.example.catalog.system.OpenApiConfiguration;
import com.example.catalog.system.Problems;
import com.example.catalog.system.QueryParameters;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

@RestController
@Tag(name = "catalog", description = "Items: public reads, editor changes")
class CatalogController {

	static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	private final ItemRepository items;

	private final ItemPages pages;

	private final ItemWrites writes;

	private final ResponseCache cache;

	private final JsonMapper jsonMapper;

	private final ClientLimits limits;

	CatalogController(ItemRepository items, ItemPages pages, ItemWrites writes, ResponseCache cache,
			JsonMapper jsonMapper, ClientLimits limits) {
		this.items = items;
		this.pages = pages;
		this.writes = writes;
		this.cache = cache;
		this.jsonMapper = jsonMapper;
		this.limits = limits;
	}

	@GetMapping(path = CatalogPaths.PAGE, produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "A keyset page of items",
			description = "Served from the response cache. Unknown, repeated or empty parameters are a 400.")
	@Parameter(name = "category", in = ParameterIn.QUERY, description = "Exact category")
	@Parameter(name = "q", in = ParameterIn.QUERY,
			description = "Case-insensitive substring of the name. Without three letters or digits in a row it has "
					+ "no index: each page then holds the matches among at most 10,000 rows, and may have fewer "
					+ "than limit items (even none) before the last page")
	@Parameter(name = "minPrice", in = ParameterIn.QUERY, description = "Lowest price in cents, inclusive",
			schema = @Schema(type = "integer", minimum = "0"))
	@Parameter(name = "maxPrice", in = ParameterIn.QUERY, description = "Highest price in cents, inclusive",
			schema = @Schema(type = "integer", minimum = "0"))
	@Parameter(name = "sort", in = ParameterIn.QUERY, description = "Sort order (then by id)",
			schema = @Schema(type = "string",
					allowableValues = { "id", "name", "price", "-price", "createdAt", "-createdAt" },
					defaultValue = "id"))
	@Parameter(name = "limit", in = ParameterIn.QUERY, description = "Page size",
			schema = @Schema(type = "integer", minimum = "1", maximum = "1000", defaultValue = "100"))
	@Parameter(name = "cursor", in = ParameterIn.QUERY, description = "nextCursor of the previous page")
	@Parameter(name = "If-None-Match", in = ParameterIn.HEADER, description = "ETag of a copy the client holds")
	@ApiResponse(responseCode = "200", description = "A page; nextCursor is null on the last page",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = ItemPage.class)),
			headers = { @Header(name = "ETag"), @Header(name = "Cache-Control"),
					@Header(name = "Cache-Status",
							description = "RFC 9211: catalog; hit | fwd=miss (stored, collapsed) | fwd=bypass") })
	@ApiDocs.CacheableGetResponses
	Mono<ResponseEntity<ByteBuffer>> list(@Parameter(hidden = true) ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		CatalogQuery query = CatalogQuery.parse(request.getURI().getRawQuery());
		// Deferred: a hit never needs the query, so it should not even assemble it.
		return this.cache.respond(query.cacheKey(), request,
				this.limits.limited(exchange, Mono.defer(() -> this.pages.find(query))));
	}

	@GetMapping(path = CatalogPaths.ITEM, produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "One item", description = "Served from the response cache.")
	@Parameter(name = "If-None-Match", in = ParameterIn.HEADER, description = "ETag of a copy the client holds")
	@ApiResponse(responseCode = "200", description = "The item",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Item.class)),
			headers = { @Header(name = "ETag"), @Header(name = "Cache-Control"), @Header(name = "Cache-Status") })
	@ApiResponse(responseCode = "404", description = "No such item")
	@ApiDocs.CacheableGetResponses
	Mono<ResponseEntity<ByteBuffer>> item(
			@Parameter(description = "Item id",
					schema = @Schema(type = "integer", format = "int64",
							minimum = "1")) @PathVariable("id") String rawId,
			@Parameter(hidden = true) ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		CacheKey key = itemKey(request, rawId);
		long id = ItemIds.parse(rawId);
		return this.cache.respond(key, request, this.limits.limited(exchange,
				Mono.defer(() -> this.items.findById(id).switchIfEmpty(Mono.error(() -> ItemWrites.notFound(id))))));
	}

	@PostMapping(path = CatalogPaths.ITEMS, consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Create an item", security = @SecurityRequirement(name = OpenApiConfiguration.BASIC_AUTH),
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					content = @Content(schema = @Schema(implementation = ItemInput.class))))
	@Parameter(name = IDEMPOTENCY_KEY, in = ParameterIn.HEADER,
			description = "Makes a retried POST create once: within 24 h the same principal, key and body get the first "
					+ "response again; the same key with another body is a 422")
	@ApiResponse(responseCode = "201", description = "Created",
			headers = @Header(name = "Location", description = "URL of the new item"),
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Item.class)))
	@ApiResponse(responseCode = "409", description = "The sku is taken")
	@ApiResponse(responseCode = "413", description = "The body exceeds 64 KiB")
	@ApiResponse(responseCode = "415", description = "The body is not JSON")
	@ApiResponse(responseCode = "422", description = "The Idempotency-Key was used with another body")
	@ApiDocs.WriteResponses
	Mono<ResponseEntity<byte[]>> create(@Parameter(hidden = true) ServerWebExchange exchange,
			@Parameter(hidden = true) Principal principal) {
		ServerHttpRequest request = exchange.getRequest();
		String idempotencyKey = idempotencyKey(request);
		return JsonRequestBody.read(request)
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> this.limits.limited(exchange,
					Mono.defer(() -> this.writes.create(input, principal.getName(), idempotencyKey))))
			.map(StoredResponse::toResponseEntity);
	}

	@PutMapping(path = CatalogPaths.ITEM, consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Replace an item's fields",
			security = @SecurityRequirement(name = OpenApiConfiguration.BASIC_AUTH),
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					content = @Content(schema = @Schema(implementation = ItemInput.class))))
	@ApiResponse(responseCode = "200", description = "The changed item",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Item.class)))
	@ApiResponse(responseCode = "404", description = "No such item")
	@ApiResponse(responseCode = "409", description = "The sku is taken by another item")
	@ApiDocs.WriteResponses
	Mono<ResponseEntity<Item>> update(@Parameter(description = "Item id") @PathVariable("id") String rawId,
			@Parameter(hidden = true) ServerWebExchange exchange) {
		long id = ItemIds.parse(rawId);
		return JsonRequestBody.read(exchange.getRequest())
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> this.limits.limited(exchange, Mono.defer(() -> this.writes.update(id, input))))
			.map(ResponseEntity::ok);
	}

	@DeleteMapping(CatalogPaths.ITEM)
	@Operation(summary = "Delete an item", security = @SecurityRequirement(name = OpenApiConfiguration.BASIC_AUTH))
	@ApiResponse(responseCode = "204", description = "Deleted")
	@ApiResponse(responseCode = "404", description = "No such item")
	@ApiDocs.WriteResponses
	Mono<ResponseEntity<Void>> delete(@Parameter(description = "Item id") @PathVariable("id") String rawId,
			@Parameter(hidden = true) ServerWebExchange exchange) {
		long id = ItemIds.parse(rawId);
		return this.limits.limited(exchange, Mono.defer(() -> this.writes.delete(id)))
			.thenReturn(ResponseEntity.noContent().build());
	}

	/** The cache key of {@code GET /catalog}, after validating the query. */
	static CacheKey pageKey(ServerHttpRequest request) {
		return CatalogQuery.parse(request.getURI().getRawQuery()).cacheKey();
	}

	/** The cache key of {@code GET /catalog/items/{id}}, after validating the request. */
	static CacheKey itemKey(ServerHttpRequest request, String rawId) {
		QueryParameters.parse(request.getURI().getRawQuery(), Set.of());
		long id = ItemIds.parse(rawId);
		return CacheKey.forPublicRoute("item").with("id", id).dependsOn(CatalogScopes.item(id)).build();
	}

	private static String idempotencyKey(ServerHttpRequest request) {
		var values = request.getHeaders().get(IDEMPOTENCY_KEY);
		if (values == null || values.isEmpty()) {
			return null;
		}
		String key = values.get(0);
		if (values.size() > 1 || key.isEmpty() || key.length() > 200
				|| !key.chars().allMatch((c) -> c > 32 && c < 127)) {
			throw Problems.badParameter(IDEMPOTENCY_KEY, "must be one value of 1 to 200 visible ASCII characters");
		}
		return key;
	}

}
