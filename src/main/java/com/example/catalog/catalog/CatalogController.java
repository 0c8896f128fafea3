package com.example.catalog.catalog;

import java.nio.ByteBuffer;
import java.util.Set;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.ApiDocs;
import com.example.catalog.system.ClientLimits;
import com.example.catalog.system.QueryParameters;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * The public reads of the catalog, answered through the response cache.
 */
@RestController
@Tag(name = "catalog", description = "Items: public reads, editor changes")
@SecurityRequirements
class CatalogController {

	private final ItemRepository items;

	private final ItemPages pages;

	private final ResponseCache cache;

	private final ClientLimits limits;

	CatalogController(ItemRepository items, ItemPages pages, ResponseCache cache, ClientLimits limits) {
		this.items = items;
		this.pages = pages;
		this.cache = cache;
		this.limits = limits;
	}

	@GetMapping(path = CatalogPaths.PAGE, produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(operationId = "listItems", summary = "A keyset page of items",
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
	@Parameter(name = "If-None-Match", in = ParameterIn.HEADER, description = ApiDocs.IF_NONE_MATCH)
	@ApiResponse(responseCode = "200", description = "A page; nextCursor is null on the last page",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = ItemPage.class)),
			headers = { @Header(name = "ETag", description = ApiDocs.ETAG, required = true),
					@Header(name = "Cache-Control", description = ApiDocs.CACHE_CONTROL, required = true),
					@Header(name = "Cache-Status", description = ApiDocs.CACHE_STATUS, required = true),
					@Header(name = "Vary", description = ApiDocs.VARY) })
	@ApiDocs.CacheableGetResponses
	Mono<ResponseEntity<ByteBuffer>> list(@Parameter(hidden = true) ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		CatalogQuery query = CatalogQuery.parse(request.getURI().getRawQuery());
		// Deferred: a hit never needs the query, so it should not even assemble it.
		return this.cache.respond(query.cacheKey(), request, this.limits.admission(exchange),
				Mono.defer(() -> this.pages.find(query)).map(query::cached));
	}

	@GetMapping(path = CatalogPaths.ITEM, produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(operationId = "getItem", summary = "One item", description = "Served from the response cache.")
	@Parameter(name = "If-None-Match", in = ParameterIn.HEADER, description = ApiDocs.IF_NONE_MATCH)
	@ApiResponse(responseCode = "200", description = "The item",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Item.class)),
			headers = { @Header(name = "ETag", description = ApiDocs.ETAG, required = true),
					@Header(name = "Cache-Control", description = ApiDocs.CACHE_CONTROL, required = true),
					@Header(name = "Cache-Status", description = ApiDocs.CACHE_STATUS, required = true),
					@Header(name = "Vary", description = ApiDocs.VARY) })
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
		return this.cache.respond(key, request, this.limits.admission(exchange),
				Mono.defer(() -> this.items.findById(id).switchIfEmpty(Mono.error(() -> ItemWrites.notFound(id)))));
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

}
