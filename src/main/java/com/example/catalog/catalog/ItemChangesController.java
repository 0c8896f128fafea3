package com.example.catalog.catalog;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.security.Principal;

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

import com.example.catalog.system.ApiDocs;
import com.example.catalog.system.ClientLimits;
import com.example.catalog.system.JsonRequestBody;
import com.example.catalog.system.OpenApiConfiguration;
import com.example.catalog.system.Problems;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * Changes to the catalog (role {@code EDITOR}). Every success carries the ETag of the
 * item as it now is, so that an editor can chain conditional changes without reading
 * again.
 */
@RestController
@Tag(name = "catalog")
@SecurityRequirement(name = OpenApiConfiguration.BASIC_AUTH)
@SecurityRequirement(name = OpenApiConfiguration.BEARER_AUTH)
class ItemChangesController {

	static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	private final ItemWrites writes;

	private final JsonMapper jsonMapper;

	private final WritesProperties properties;

	private final ClientLimits limits;

	ItemChangesController(ItemWrites writes, JsonMapper jsonMapper, WritesProperties properties, ClientLimits limits) {
		this.writes = writes;
		this.jsonMapper = jsonMapper;
		this.properties = properties;
		this.limits = limits;
	}

	@PostMapping(path = CatalogPaths.ITEMS, consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(operationId = "createItem", summary = "Create an item",
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					content = @Content(schema = @Schema(implementation = ItemInput.class))))
	@Parameter(name = IDEMPOTENCY_KEY, in = ParameterIn.HEADER,
			description = "Makes a retried POST create once: within 24 h the same principal, key and body get the first "
					+ "response again; the same key with another body is a 422",
			schema = @Schema(type = "string", minLength = 1, maxLength = 200, pattern = "^[!-~]+$"))
	@ApiResponse(responseCode = "201", description = "Created",
			headers = { @Header(name = "Location", description = "URL of the new item", required = true),
					@Header(name = "ETag", description = ApiDocs.ETAG, required = true) },
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Item.class)))
	@ApiResponse(responseCode = "409", description = "The sku is taken")
	@ApiResponse(responseCode = "422", description = "The Idempotency-Key was used with another body")
	@ApiDocs.WriteResponses
	@ApiDocs.JsonBodyResponses
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
	@Operation(operationId = "replaceItem", summary = "Replace an item's fields",
			description = "With If-Match, only if the item is still at the version the client read.",
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					content = @Content(schema = @Schema(implementation = ItemInput.class))))
	@Parameter(name = IfMatch.HEADER, in = ParameterIn.HEADER, description = ApiDocs.IF_MATCH)
	@ApiResponse(responseCode = "200", description = "The changed item",
			headers = @Header(name = "ETag", description = ApiDocs.ETAG, required = true),
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Item.class)))
	@ApiResponse(responseCode = "404", description = "No such item")
	@ApiResponse(responseCode = "409", description = "The sku is taken by another item")
	@ConditionalResponses
	@ApiDocs.WriteResponses
	@ApiDocs.JsonBodyResponses
	Mono<ResponseEntity<byte[]>> update(
			@Parameter(description = "Item id",
					schema = @Schema(type = "integer", format = "int64",
							minimum = "1")) @PathVariable("id") String rawId,
			@Parameter(hidden = true) ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		long id = ItemIds.parse(rawId);
		IfMatch ifMatch = ifMatch(request);
		return JsonRequestBody.read(request)
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> this.limits.limited(exchange, Mono.defer(() -> this.writes.update(id, input, ifMatch))))
			.map((item) -> {
				byte[] json = this.writes.json(item);
				return ResponseEntity.ok()
					.eTag(ItemETag.header(json))
					.contentType(MediaType.APPLICATION_JSON)
					.body(json);
			});
	}

	@DeleteMapping(CatalogPaths.ITEM)
	@Operation(operationId = "deleteItem", summary = "Delete an item",
			description = "With If-Match, only if the item is still at the version the client read.")
	@Parameter(name = IfMatch.HEADER, in = ParameterIn.HEADER, description = ApiDocs.IF_MATCH)
	@ApiResponse(responseCode = "204", description = "Deleted")
	@ApiResponse(responseCode = "404", description = "No such item")
	@ConditionalResponses
	@ApiDocs.WriteResponses
	Mono<ResponseEntity<Void>> delete(
			@Parameter(description = "Item id",
					schema = @Schema(type = "integer", format = "int64",
							minimum = "1")) @PathVariable("id") String rawId,
			@Parameter(hidden = true) ServerWebExchange exchange) {
		long id = ItemIds.parse(rawId);
		IfMatch ifMatch = ifMatch(exchange.getRequest());
		return this.limits.limited(exchange, Mono.defer(() -> this.writes.delete(id, ifMatch)))
			.thenReturn(ResponseEntity.noContent().build());
	}

	/**
	 * The request's {@code If-Match}; without one, a 428 when conditional writes are
	 * required, else {@code null} (the change is made whatever the version).
	 */
	private IfMatch ifMatch(ServerHttpRequest request) {
		IfMatch ifMatch = IfMatch.of(request.getHeaders());
		if (ifMatch == null && this.properties.requireIfMatch()) {
			throw Problems.status(HttpStatus.PRECONDITION_REQUIRED, "Precondition required",
					"Send If-Match with the ETag of the item as you read it (GET /catalog/items/{id}), or * to "
							+ "change it whatever its version, so that no other editor's change is overwritten "
							+ "unknowingly");
		}
		return ifMatch;
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

	/** The responses of a change that honours {@code If-Match}. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@ApiResponse(responseCode = "412",
			description = "If-Match names no longer the item's version: someone changed "
					+ "it since it was read. The ETag header names the version now current",
			headers = @Header(name = "ETag", description = "The ETag of the item's current version", required = true))
	@ApiResponse(responseCode = "428", description = "If-Match is missing and catalog.writes.require-if-match is true")
	@interface ConditionalResponses {

	}

}
