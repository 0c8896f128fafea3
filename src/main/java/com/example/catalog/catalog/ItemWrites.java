package com.example.catalog.catalog;

import java.net.URI;
import java.util.Optional;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.Problems;
import com.example.catalog.system.Writes;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.ErrorResponseException;

/**
 * Changes to the catalog. Each change commits to PostgreSQL and then invalidates exactly
 * the cached pages it can change ({@link CatalogScopes}) before it is acknowledged: when
 * Redis does not confirm the invalidation in time, the client gets a 503 that says the
 * change is saved, never a success. Each runs to the end even when the client goes away
 * meanwhile: a committed change whose invalidation was cancelled would leave stale pages
 * behind.
 */
@Service
class ItemWrites {

	private final ItemRepository items;

	private final IdempotencyRecords idempotency;

	private final ResponseCache cache;

	private final TransactionalOperator transactions;

	private final JsonMapper jsonMapper;

	ItemWrites(ItemRepository items, IdempotencyRecords idempotency, ResponseCache cache,
			TransactionalOperator transactions, JsonMapper jsonMapper) {
		this.items = items;
		this.idempotency = idempotency;
		this.cache = cache;
		this.transactions = transactions;
		this.jsonMapper = jsonMapper;
	}

	/**
	 * Creates an item. With an idempotency key, the first response for (principal, key)
	 * is kept for 24 hours and replayed to retries with the same input; a retry with
	 * other input is a 422. A replayed creation is invalidated again, so that a retry
	 * after a 503 is acknowledged only once the creation is visible everywhere.
	 */
	Mono<StoredResponse> create(ItemInput input, String principal, String idempotencyKey) {
		if (idempotencyKey == null) {
			return Writes.completely(insert(input).flatMap(this::invalidated));
		}
		String digest = IdempotencyRecords.digest(input);
		Mono<Created> claimedOrReplayed = this.idempotency.claim(principal, idempotencyKey, digest)
			.flatMap((claimed) -> claimed
					? insert(input)
						.flatMap((created) -> this.idempotency.remember(principal, idempotencyKey, created.response())
							.thenReturn(created))
					: this.idempotency.replay(principal, idempotencyKey, digest).map(this::replayed));
		return Writes.completely(this.transactions.transactional(claimedOrReplayed).flatMap(this::invalidated));
	}

	/**
	 * Changes an item. With an {@code If-Match} that names versions, the item is changed
	 * only while it is at the version the client read: the tag is matched against the
	 * current version, and the statement that changes the item checks that version again
	 * where it locks the row, so of two writes that read the same version exactly one
	 * changes it and the other gets a 412 naming the version that won.
	 * @param ifMatch the request's condition, {@code null} for none
	 */
	Mono<Item> update(long id, ItemInput input, IfMatch ifMatch) {
		return Writes.completely(expectedVersion(id, ifMatch)
			.flatMap((expected) -> this.items.update(id, input, expected.orElse(null))
				.switchIfEmpty(Mono.defer(() -> lostTo(id))))
			.onErrorMap(DuplicateKeyException.class, (ex) -> skuTaken(input))
			.flatMap((change) -> invalidate(change, false).thenReturn(change.item())));
	}

	/** Deletes an item, under the same condition as {@link #update}. */
	Mono<Void> delete(long id, IfMatch ifMatch) {
		return Writes.completely(expectedVersion(id, ifMatch).flatMap(
				(expected) -> this.items.delete(id, expected.orElse(null)).switchIfEmpty(Mono.defer(() -> lostTo(id))))
			.flatMap((change) -> invalidate(change, false)));
	}

	/** The JSON of an item as every response carries it, and its ETag is a digest of. */
	byte[] json(Item item) {
		return this.jsonMapper.writeValueAsBytes(item);
	}

	/**
	 * The version {@code If-Match} lets the write change: none to check without a
	 * condition or with {@code *} (the statement itself finds whether the item exists),
	 * otherwise the current one if the condition names it, else a 412.
	 */
	private Mono<Optional<Long>> expectedVersion(long id, IfMatch ifMatch) {
		if (ifMatch == null || ifMatch.anyVersion()) {
			return Mono.just(Optional.empty());
		}
		return this.items.findById(id).switchIfEmpty(Mono.error(() -> notFound(id))).map((current) -> {
			if (!ifMatch.matches(ItemETag.of(json(current)))) {
				throw preconditionFailed(current);
			}
			return Optional.of(current.version());
		});
	}

	/**
	 * Why a write changed nothing: the item is gone (404), or another write changed it
	 * first (412 naming the version now current).
	 */
	private <T> Mono<T> lostTo(long id) {
		return this.items.findById(id)
			.switchIfEmpty(Mono.error(() -> notFound(id)))
			.flatMap((current) -> Mono.error(preconditionFailed(current)));
	}

	private ErrorResponseException preconditionFailed(Item current) {
		byte[] json = json(current);
		ErrorResponseException problem = Problems.status(HttpStatus.PRECONDITION_FAILED, "Precondition failed",
				"Item " + current.id() + " has changed since the version If-Match names: it is at version "
						+ current.version() + " now (the ETag of this response); read it again and reapply the change");
		problem.getHeaders().setETag(ItemETag.header(json));
		return problem;
	}

	static RuntimeException notFound(long id) {
		return Problems.notFound("No item with id " + id);
	}

	private Mono<Void> invalidate(ItemChange change, boolean created) {
		Item item = change.item();
		return this.cache.invalidate(CatalogScopes.ofItem(item.id(), change.previousCategory(), item.category(),
				change.previousPriceCents(), item.priceCents(), created), change.changeId());
	}

	private Mono<Created> insert(ItemInput input) {
		return this.items.insertUnlessSkuTaken(input)
			.map((change) -> new Created(new StoredResponse(HttpStatus.CREATED.value(),
					CatalogPaths.item(change.item().id()), MediaType.APPLICATION_JSON_VALUE, json(change.item())),
					change))
			.switchIfEmpty(Mono.fromSupplier(() -> {
				ProblemDetail problem = Problems.conflict("sku", skuTakenDetail(input)).getBody();
				problem.setInstance(URI.create(CatalogPaths.ITEMS));
				return new Created(
						new StoredResponse(HttpStatus.CONFLICT.value(), null, MediaType.APPLICATION_PROBLEM_JSON_VALUE,
								this.jsonMapper.writeValueAsBytes(Problems.members(problem))),
						null);
			}));
	}

	/**
	 * A kept response; its creation is invalidated once more under an id of its own,
	 * which costs the item's pages one extra miss at most.
	 */
	private Created replayed(StoredResponse response) {
		if (!response.created()) {
			return new Created(response, null);
		}
		Item item = this.jsonMapper.readValue(response.body(), Item.class);
		return new Created(response,
				new ItemChange(item, item.category(), item.priceCents(), "replay:" + response.location()));
	}

	private Mono<StoredResponse> invalidated(Created created) {
		return (created.change() != null) ? invalidate(created.change(), true).thenReturn(created.response())
				: Mono.just(created.response());
	}

	private static RuntimeException skuTaken(ItemInput input) {
		return Problems.conflict("sku", skuTakenDetail(input));
	}

	private static String skuTakenDetail(ItemInput input) {
		return "An item with sku '" + input.sku() + "' exists already";
	}

	/** A create's response, and the change to invalidate when it created an item. */
	private record Created(StoredResponse response, ItemChange change) {

	}

}
