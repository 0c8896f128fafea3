package com.example.catalog.catalog;

import java.nio.ByteBuffer;
import java.security.Principal;
import java.util.Set;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.JsonRequestBody;
import com.example.catalog.system.Problems;

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

	static final String IDEMPOTENCY_KEY = "Idempotency-Key";

	private final ItemRepository items;

	private final ItemWrites writes;

	private final ResponseCache cache;

	private final JsonMapper jsonMapper;

	CatalogController(ItemRepository items, ItemWrites writes, ResponseCache cache, JsonMapper jsonMapper) {
		this.items = items;
		this.writes = writes;
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
		return this.cache.respond(key, request,
				this.items.findById(id).switchIfEmpty(Mono.error(() -> ItemWrites.notFound(id))));
	}

	@PostMapping("/catalog/items")
	Mono<ResponseEntity<byte[]>> create(ServerHttpRequest request, Principal principal) {
		String idempotencyKey = idempotencyKey(request);
		return JsonRequestBody.read(request)
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> this.writes.create(input, principal.getName(), idempotencyKey))
			.map(StoredResponse::toResponseEntity);
	}

	@PutMapping("/catalog/items/{id}")
	Mono<ResponseEntity<Item>> update(@PathVariable("id") String rawId, ServerHttpRequest request) {
		long id = ItemIds.parse(rawId);
		return JsonRequestBody.read(request)
			.map((body) -> ItemInput.parse(body, this.jsonMapper))
			.flatMap((input) -> this.writes.update(id, input))
			.map(ResponseEntity::ok);
	}

	@DeleteMapping("/catalog/items/{id}")
	Mono<ResponseEntity<Void>> delete(@PathVariable("id") String rawId) {
		long id = ItemIds.parse(rawId);
		return this.writes.delete(id).thenReturn(ResponseEntity.noContent().build());
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
