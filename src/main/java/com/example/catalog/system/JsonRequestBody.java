package com.example.catalog.system;

import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.util.unit.DataSize;

/**
 * Reads a JSON request body as bytes, bounded: a declared or actual size over the limit
 * is a 413 before anything is parsed, and a body that is not declared as JSON is a 415.
 */
public final class JsonRequestBody {

	public static final DataSize MAX_SIZE = DataSize.ofKilobytes(64);

	private JsonRequestBody() {
	}

	public static Mono<byte[]> read(ServerHttpRequest request) {
		MediaType contentType = request.getHeaders().getContentType();
		if (contentType == null || !(MediaType.APPLICATION_JSON.isCompatibleWith(contentType)
				|| contentType.getSubtype().endsWith("+json"))) {
			return Mono.error(Problems.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
					"The body must be application/json"));
		}
		long declared = request.getHeaders().getContentLength();
		int limit = (int) MAX_SIZE.toBytes();
		if (declared > limit) {
			return Mono.error(tooLarge());
		}
		return DataBufferUtils.join(request.getBody(), limit).map((buffer) -> {
			try {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.read(bytes);
				return bytes;
			}
			finally {
				DataBufferUtils.release(buffer);
			}
		})
			.onErrorMap(DataBufferLimitException.class, (ex) -> tooLarge())
			.switchIfEmpty(Mono.error(() -> Problems.badField(null, "the body is empty; send a JSON object")));
	}

	private static RuntimeException tooLarge() {
		return Problems.status(HttpStatus.CONTENT_TOO_LARGE, "Content too large",
				"The body must not exceed " + MAX_SIZE.toKilobytes() + " KiB");
	}

}
