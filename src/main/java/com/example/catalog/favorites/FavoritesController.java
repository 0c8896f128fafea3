package com.example.catalog.favorites;

import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.List;
import java.util.Set;

import reactor.core.publisher.Mono;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.catalog.Item;
import com.example.catalog.catalog.ItemIds;
import com.example.catalog.catalog.QueryParameters;
import com.example.catalog.system.Problems;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's favourite items. The page is cached per principal: its key carries a
 * digest of the principal, and it depends on the catalog's generation (an item's change
 * shows at once) and on the principal's own (a change to someone else's favourites leaves
 * it alone).
 */
@RestController
class FavoritesController {

	private final FavoriteRepository favorites;

	private final ResponseCache cache;

	FavoritesController(FavoriteRepository favorites, ResponseCache cache) {
		this.favorites = favorites;
		this.cache = cache;
	}

	@GetMapping("/me/favorites")
	Mono<ResponseEntity<ByteBuffer>> list(ServerHttpRequest request, Principal principal) {
		QueryParameters.parse(request.getURI().getRawQuery(), Set.of());
		CacheKey key = CacheKey.forPrincipalRoute("favorites", principal.getName()).build();
		return this.cache.respond(key, request,
				this.favorites.findItems(principal.getName()).collectList().map(FavoritesPage::new));
	}

	@PutMapping("/me/favorites/{itemId}")
	Mono<ResponseEntity<Void>> add(@PathVariable("itemId") String rawItemId, Principal principal) {
		long itemId = ItemIds.parse(rawItemId);
		return completely(this.favorites.add(principal.getName(), itemId)
			.flatMap((added) -> added ? this.cache.invalidatePrincipal(principal.getName()).thenReturn(true)
					: Mono.error(() -> noItem(itemId))))
			.thenReturn(ResponseEntity.noContent().build());
	}

	@DeleteMapping("/me/favorites/{itemId}")
	Mono<ResponseEntity<Void>> remove(@PathVariable("itemId") String rawItemId, Principal principal) {
		long itemId = ItemIds.parse(rawItemId);
		return completely(this.favorites.itemExists(itemId)
			.flatMap((exists) -> exists ? this.favorites.remove(principal.getName(), itemId)
				.then(this.cache.invalidatePrincipal(principal.getName()))
				.thenReturn(true) : Mono.error(() -> noItem(itemId))))
			.thenReturn(ResponseEntity.noContent().build());
	}

	private static RuntimeException noItem(long itemId) {
		return Problems.notFound("No item with id " + itemId);
	}

	/**
	 * See {@code ItemWrites}: a committed change is always followed by its invalidation.
	 */
	private static <T> Mono<T> completely(Mono<T> write) {
		return Mono.fromFuture(write::toFuture, true);
	}

	record FavoritesPage(List<Item> items) {

	}

}
