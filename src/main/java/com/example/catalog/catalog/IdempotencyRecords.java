package com.example.catalog.catalog;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import reactor.core.publisher.Mono;

import com.example.catalog.system.Problems;

import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

/**
 * The first response to a POST that carried an {@code Idempotency-Key}, kept for 24 hours
 * per principal and key and replayed to retries with the same body. The key is claimed in
 * the transaction of the change it guards, so concurrent duplicates wait for the first
 * and then replay its response.
 */
@Repository
class IdempotencyRecords {

	private final DatabaseClient db;

	IdempotencyRecords(DatabaseClient db) {
		this.db = db;
	}

	/**
	 * Takes the key for this request: a new key, or one whose 24 hours have passed. Emits
	 * {@code false} when a live record of the key exists, after waiting for a concurrent
	 * claim of the same key to commit or roll back.
	 */
	Mono<Boolean> claim(String principal, String key, String digest) {
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

	Mono<StoredResponse> remember(String principal, String key, StoredResponse response) {
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

	/** The kept response; a 422 when the key was used with another body. */
	Mono<StoredResponse> replay(String principal, String key, String digest) {
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

	/** What makes two requests "the same body": every field of the input. */
	static String digest(ItemInput input) {
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

}
