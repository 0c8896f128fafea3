package com.example.catalog.catalog;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * A complete response to a write, in the form it is kept in for replay to a retried
 * request with the same {@code Idempotency-Key}. The {@code ETag} of a 201 is derived
 * from its body, so a replay carries it too.
 */
record StoredResponse(int status, String location, String contentType, byte[] body) {

	ResponseEntity<byte[]> toResponseEntity() {
		ResponseEntity.BodyBuilder builder = ResponseEntity.status(HttpStatus.valueOf(this.status))
			.contentType(MediaType.parseMediaType(this.contentType));
		if (this.location != null) {
			builder.location(URI.create(this.location));
		}
		if (created()) {
			// The body is the new item's JSON: its ETag
			// lets the client chain a conditional write.
			builder.eTag(ItemETag.header(this.body));
		}
		return builder.body(this.body);
	}

	boolean created() {
		return this.status == HttpStatus.CREATED.value();
	}

}
