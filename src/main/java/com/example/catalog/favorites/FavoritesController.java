package com.example.catalog.favorites;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.List;
import java.util.Set;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import reactor.core.publisher.Mono;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.catalog.CatalogScopes;
import com.example.catalog.catalog.Item;
import com.example.catalog.catalog.ItemIds;
import com.example.catalog.system.ApiDocs;
import com.example.catalog.system.ClientLimits;
import com.example.catalog.system.OpenApiConfiguration;
import com.example.catalog.system.Problems;
import com.example.catalog.system.QueryParameters;
import com.example.catalog.system.Writes;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

/**
 * The caller's favourite items. The page is cached per principal: its key carries a
 * digest of the principal, and it depends on the catalog's generation (an item's change
 * shows at once) and on the principal's own (a change to someone else's favourites leaves
 * it alone).
 */
@RestController
@Tag(name = "favorites", description = "The caller's favourite items")
@SecurityRequirement(name = OpenApiConfiguration.BASIC_AUTH)
@SecurityRequirement(name = OpenApiConfiguration.BEARER_AUTH)
class FavoritesController {

	static final String FAVORITES = "/me/favorites";

	static final String FAVORITE = FAVORITES + "/{itemId}";

	private final FavoriteRepository favorites;

	private final ResponseCache cache;

	private final ClientLimits limits;

	FavoritesController(FavoriteRepository favorites, ResponseCache cache, ClientLimits limits) {
		this.favorites = favorites;
		this.cache = cache;
		this.limits = limits;
	}

	@GetMapping(path = FAVORITES, produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(operationId = "listFavorites", summary = "The caller's favourite items",
			description = "Cached per principal: one principal's page is never served to another.")
	@ApiResponse(responseCode = "200", description = "The favourites, oldest first", content = @Content(
			mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = FavoritesPage.class),
			examples = @ExampleObject(name = "one favourite", value = """
					{"items": [{"id": 42, "sku": "LAMP-42", "name": "Brass desk lamp", "description": "Warm light",
					"category": "decor", "priceCents": 4900, "createdAt": "2026-11-30T12:00:00Z", "version": 1}]}""")),
			headers = { @Header(name = "ETag", description = ApiDocs.ETAG, required = true),
					@Header(name = "Cache-Control", description = ApiDocs.CACHE_CONTROL, required = true),
					@Header(name = "Cache-Status", description = ApiDocs.CACHE_STATUS, required = true),
					@Header(name = "Vary", description = ApiDocs.VARY) })
	@ApiResponse(responseCode = "401", description = "No or wrong credentials")
	@ApiDocs.CacheableGetResponses
	Mono<ResponseEntity<ByteBuffer>> list(@Parameter(hidden = true) ServerWebExchange exchange,
			@Parameter(hidden = true) Principal principal) {
		ServerHttpRequest request = exchange.getRequest();
		QueryParameters.parse(request.getURI().getRawQuery(), Set.of());
		CacheKey key = CacheKey.forPrincipalRoute("favorites", principal.getName())
			.dependsOn(CatalogScopes.FAVORITES)
			.build();
		return this.cache.respond(key, request, this.limits.admission(exchange),
				Mono.defer(() -> this.favorites.findItems(principal.getName()).collectList().map(FavoritesPage::new)));
	}

	@PutMapping(FAVORITE)
	@Operation(operationId = "addFavorite", summary = "Add an item to the caller's favourites")
	@ApiResponse(responseCode = "204", description = "It is a favourite (whether or not it was before)")
	@ApiResponse(responseCode = "404", description = "No such item")
	@FavoriteChangeResponses
	Mono<ResponseEntity<Void>> add(
			@Parameter(description = "Item id",
					schema = @Schema(type = "integer", format = "int64",
							minimum = "1")) @PathVariable("itemId") String rawItemId,
			@Parameter(hidden = true) Principal principal, @Parameter(hidden = true) ServerWebExchange exchange) {
		long itemId = ItemIds.parse(rawItemId);
		return Writes
			.completely(this.limits.limited(exchange, Mono.defer(() -> this.favorites.add(principal.getName(), itemId)))
				.switchIfEmpty(Mono.error(() -> noItem(itemId)))
				.flatMap((changeId) -> invalidate(principal, changeId)))
			.thenReturn(ResponseEntity.noContent().build());
	}

	@DeleteMapping(FAVORITE)
	@Operation(operationId = "removeFavorite", summary = "Remove an item from the caller's favourites")
	@ApiResponse(responseCode = "204", description = "It is not a favourite (whether or not it was before)")
	@ApiResponse(responseCode = "404", description = "No such item")
	@FavoriteChangeResponses
	Mono<ResponseEntity<Void>> remove(
			@Parameter(description = "Item id",
					schema = @Schema(type = "integer", format = "int64",
							minimum = "1")) @PathVariable("itemId") String rawItemId,
			@Parameter(hidden = true) Principal principal, @Parameter(hidden = true) ServerWebExchange exchange) {
		long itemId = ItemIds.parse(rawItemId);
		return Writes
			.completely(
					this.limits.limited(exchange, Mono.defer(() -> this.favorites.itemExists(itemId)))
						.flatMap((exists) -> exists
								? this.favorites.remove(principal.getName(), itemId)
									.flatMap((changeId) -> invalidate(principal, changeId))
								: Mono.error(() -> noItem(itemId))))
			.thenReturn(ResponseEntity.noContent().build());
	}

	/** Only the principal's own favourites page can have changed. */
	private Mono<Void> invalidate(Principal principal, String changeId) {
		return this.cache.invalidate(List.of(CacheKey.principalScope(principal.getName())), changeId);
	}

	private static RuntimeException noItem(long itemId) {
		return Problems.notFound("No item with id " + itemId);
	}

	record FavoritesPage(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<Item> items) {

	}

	/** The errors of a change to the caller's favourites. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@ApiResponse(responseCode = "400", description = "The item id is not a positive whole number")
	@ApiResponse(responseCode = "401", description = "No or wrong credentials",
			headers = @Header(name = "WWW-Authenticate", description = "Basic realm=\"catalog\"", required = true))
	@ApiResponse(responseCode = "503", description = ApiDocs.WRITE_UNAVAILABLE, headers = @Header(name = "Retry-After",
			description = ApiDocs.RETRY_AFTER, required = true, schema = @Schema(type = "integer", minimum = "0")))
	@interface FavoriteChangeResponses {

	}

}
