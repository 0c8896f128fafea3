package com.example.catalog.catalog;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Set;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.JsonRequestBody;
import com.example.catalog.system.Problems;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class CatalogController {

	private final ItemRepository items;

	private final ResponseCache cache;

	private final JsonMapper jsonMapper;

	CatalogController(ItemRepository items, ResponseCache cache, JsonMapper jsonMapper) {
		this.items = items;
		this.cache = cache;
		this.jsonMapper = jsonMapper;
	}

	@GetMapping("/catalog")
	Mono<ResponseEntity<ByteBuffer>> list(ServerHttpRequest request) {
		CatalogQuery query = CatalogQuery.parse(request.getURI().getRawQuery());
		return this.cache.respond(query.cacheKey(), request, this.items.findPage(query).collectList().map((found) -> {
			boolean more = found.size() > query.limit();
			var page = more ? found.subList(0, query.limit()) : found;
			String next = more ? PageCursor.after(page.get(page.size() - 1), query.sort()).encode() : null;
			return new ItemPage(page, next);
		}));
	}

	@GetMapping("/catalog/items/{id}")
	Mono<ResponseEntity<ByteBuffer>> item(@PathVariable("id") String rawId, ServerHttpRequest request) {
		QueryParameters.parse(request.getURI().getRawQuery(), Set.of());
		long id = ItemIds.parse(rawId);
		CacheKey key = CacheKey.forPublicRoute("item").with("id", id).build();
		return this.cache.respond(key, request, this.items.findById(id).switchIfEmpty(Mono.error(() -> notFound(id))));
	}

	@PostMapping("/catalog/items")
	Mono<ResponseEntity<Item>> create(ServerHttpRequest request) {
		return JsonRequestBody.read(request)
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> committed(
					this.items.insert(input).onErrorMap(DuplicateKeyException.class, (ex) -> skuTaken(input))))
			.map((item) -> ResponseEntity.created(URI.create("/catalog/items/" + item.id())).body(item));
	}

	@PutMapping("/catalog/items/{id}")
	Mono<ResponseEntity<Item>> update(@PathVariable("id") String rawId, ServerHttpRequest request) {
		long id = ItemIds.parse(rawId);
		return JsonRequestBody.read(request)
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> committed(this.items.update(id, input)
				.onErrorMap(DuplicateKeyException.class, (ex) -> skuTaken(input))
				.switchIfEmpty(Mono.error(() -> notFound(id)))))
			.map(ResponseEntity::ok);
	}

	@DeleteMapping("/catalog/items/{id}")
	Mono<ResponseEntity<Void>> delete(@PathVariable("id") String rawId) {
		long id = ItemIds.parse(rawId);
		return committed(
				this.items.delete(id).flatMap((deleted) -> deleted ? Mono.just(true) : Mono.error(() -> notFound(id))))
			.map((deleted) -> ResponseEntity.noContent().build());
	}

	/**
	 * Runs a database write and then invalidates the cache, to the end even if the client
	 * goes away meanwhile: a committed change whose invalidation was cancelled would
	 * leave stale pages behind.
	 */
	private <T> Mono<T> committed(Mono<T> write) {
		Mono<T> writeThenInvalidate = write.flatMap((result) -> this.cache.invalidateAll().thenReturn(result));
		return Mono.fromFuture(writeThenInvalidate::toFuture, true);
	}

	private static RuntimeException notFound(long id) {
		return Problems.notFound("No item with id " + id);
	}

	private static RuntimeException skuTaken(ItemInput input) {
		return Problems.conflict("sku", "An item with sku '" + input.sku() + "' exists already");
	}

}
