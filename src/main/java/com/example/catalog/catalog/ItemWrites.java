package com.example.catalog.catalog;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.Problems;
import com.example.catalog.system.Writes;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * Changes to the catalog. Each change commits to PostgreSQL and then invalidates every
 * cached response before it is acknowledged, and runs to the end even when the client
 * goes away meanwhile: a committed change whose invalidation was cancelled would leave
 * stale pages behind.
 */
@Service
class ItemWrites {

	private final ItemRepository items;

	private final ResponseCache cache;

	private final DatabaseClient db;

	private final TransactionalOperator transactions;

	private final JsonMapper jsonMapper;

	ItemWrites(ItemRepository items, ResponseCache cache, DatabaseClient db, TransactionalOperator transactions,
			JsonMapper jsonMapper) {
		this.items = items;
		this.cache = cache;
		this.db = db;
		this.transactions = transactions;
		this.jsonMapper = jsonMapper;
	}

	/**
	 * Creates an item. With an idempotency key, the first response for (principal, key)
	 * is kept for 24 hours and replayed to retries with the same input; a retry with
	 * other input is a 422. The key is claimed in the same transaction as the insert, so
	 * concurrent duplicates wait for the first and then replay its response.
	 */
	Mono<StoredResponse> create(ItemInput input, String principal, String idempotencyKey) {
		if (idempotencyKey == null) {
			return Writes.completely(insert(input).flatMap(this::invalidatedIfCreated));
		}
		String digest = digest(input);
		Mono<Outcome> claimedOrReplayed = claim(principal, idempotencyKey, digest).flatMap((claimed) -> claimed
				? insert(input).flatMap((response) -> remember(principal, idempotencyKey, response))
					.map((response) -> new Outcome(response, true))
				: replay(principal, idempotencyKey, digest).map((response) -> new Outcome(response, false)));
		return Writes.completely(this.transactions.transactional(claimedOrReplayed)
			.flatMap((outcome) -> outcome.fresh() ? invalidatedIfCreated(outcome.response())
					: Mono.just(outcome.response())));
	}

	Mono<Item> update(long id, ItemInput input) {
		return Writes.completely(this.items.update(id, input)
			.onErrorMap(DuplicateKeyException.class, (ex) -> skuTaken(input))
			.switchIfEmpty(Mono.error(() -> notFound(id)))
			.flatMap((item) -> this.cache.invalidateAll().thenReturn(item)));
	}

	Mono<Void> delete(long id) {
		return Writes
			.completely(this.items.delete(id)
				.flatMap((deleted) -> deleted ? this.cache.invalidateAll().thenReturn(true)
						: Mono.error(() -> notFound(id))))
			.then();
	}

	static RuntimeException notFound(long id) {
		return Problems.notFound("No item with id " + id);
	}

	private Mono<StoredResponse> insert(ItemInput input) {
		return this.items.insertUnlessSkuTaken(input)
			.map((item) -> new StoredResponse(HttpStatus.CREATED.value(), "/catalog/items/" + item.id(),
					MediaType.APPLICATION_JSON_VALUE, this.jsonMapper.writeValueAsBytes(item)))
			.switchIfEmpty(Mono.fromSupplier(() -> {
				ProblemDetail problem = Problems.conflict("sku", skuTakenDetail(input)).getBody();
				problem.setInstance(URI.create("/catalog/items"));
				return new StoredResponse(HttpStatus.CONFLICT.value(), null, MediaType.APPLICATION_PROBLEM_JSON_VALUE,
						this.jsonMapper.writeValueAsBytes(Problems.members(problem)));
			}));
	}

	private Mono<StoredResponse> invalidatedIfCreated(StoredResponse response) {
		return response.created() ? this.cache.invalidateAll().thenReturn(response) : Mono.just(response);
	}

	/**
	 * Takes the key for this request: a new key, or one whose 24 hours have passed. Emits
	 * {@code false} when a live record of the key exists, after waiting for a concurrent
	 * claim of the same key to commit or roll back.
	 */
	private Mono<Boolean> claim(String principal, String key, String digest) {
		return this.db.sql("""
				INSERT INTO idempotency_keys (principal, idempotency_key, request_digest, status, content_type, body)
				VALUES (:principal, :key, :digest, 0, '', ''::bytea)
				ON CONFLICT (principal, idempotency_key) DO UPDATE
				    SET request_digest = EXCLUDED.request_digest, status = 0, location = NULL, content_type = '',
				        body = ''::bytea, created_at = now()
				    WHERE idempotency_keys.created_at < now() - interval '24 hours'
				""")
			.bind("principal", principal)
			.bind("key", key)
			.bind("digest", digest)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	private Mono<StoredResponse> remember(String principal, String key, StoredResponse response) {
		DatabaseClient.GenericExecuteSpec update = this.db.sql("""
				UPDATE idempotency_keys SET status = :status, location = :location, content_type = :contentType,
				    body = :body
				WHERE principal = :principal AND idempotency_key = :key
				""")
			.bind("status", response.status())
			.bind("contentType", response.contentType())
			.bind("body", ByteBuffer.wrap(response.body()))
			.bind("principal", principal)
			.bind("key", key);
		update = (response.location() != null) ? update.bind("location", response.location())
				: update.bindNull("location", String.class);
		return update.fetch().rowsUpdated().thenReturn(response);
	}

	private Mono<StoredResponse> replay(String principal, String key, String digest) {
		return this.db.sql("""
				SELECT request_digest, status, location, content_type, body FROM idempotency_keys
				WHERE principal = :principal AND idempotency_key = :key
				""").bind("principal", principal).bind("key", key).map((row) -> {
			if (!digest.equals(row.get("request_digest", String.class))) {
				throw Problems.status(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency key reused",
						"This Idempotency-Key was used with a different body; use a new key for a new request");
			}
			ByteBuffer body = row.get("body", ByteBuffer.class);
			byte[] bytes = new byte[body.remaining()];
			body.get(bytes);
			return new StoredResponse(row.get("status", Integer.class), row.get("location", String.class),
					row.get("content_type", String.class), bytes);
		}).one();
	}

	private static RuntimeException skuTaken(ItemInput input) {
		return Problems.conflict("sku", skuTakenDetail(input));
	}

	private static String skuTakenDetail(ItemInput input) {
		return "An item with sku '" + input.sku() + "' exists already";
	}

	private static String digest(ItemInput input) {
		StringBuilder canonical = new StringBuilder();
		for (Object part : new Object[] { input.sku(), input.name(), input.description(), input.category(),
				input.priceCents() }) {
			String text = String.valueOf(part);
			canonical.append(text.length()).append(':').append(text).append('\n');
		}
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256")
					.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
		}
	}

	private record Outcome(StoredResponse response, boolean fresh) {

	}

}
