package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The HTTP side of a cached response: validators, {@code Cache-Control},
 * {@code Cache-Status} and conditional requests.
 */
final class HttpCaching {

	static final String CACHE_STATUS = "Cache-Status";

	private final Duration publicMaxAge;

	HttpCaching(Duration publicMaxAge) {
		this.publicMaxAge = publicMaxAge;
	}

	ResponseEntity<ByteBuffer> render(CachedResponse response, HttpHeaders requestHeaders) {
		String etag = '"' + response.etag() + '"';
		boolean notModified = matches(ifNoneMatch(requestHeaders), etag);
		ResponseEntity.BodyBuilder builder = ResponseEntity
			.status(notModified ? HttpStatus.NOT_MODIFIED : HttpStatus.OK)
			.eTag(etag)
			.cacheControl(cacheControl(response.scope()))
			.header(CACHE_STATUS, response.outcome().cacheStatusHeader());
		if (response.scope() == CacheScope.PRINCIPAL) {
			builder.varyBy(HttpHeaders.AUTHORIZATION);
		}
		if (notModified) {
			return builder.build();
		}
		return builder.contentType(MediaType.APPLICATION_JSON).body(response.bodyView());
	}

	private CacheControl cacheControl(CacheScope scope) {
		// Clients revalidate (cheaply, with If-None-Match) rather than reuse a copy that
		// a
		// write elsewhere may already have made stale.
		return (scope == CacheScope.PRINCIPAL) ? CacheControl.maxAge(Duration.ZERO).cachePrivate().mustRevalidate()
				: CacheControl.maxAge(this.publicMaxAge).cachePublic().mustRevalidate();
	}

	/**
	 * A malformed conditional is ignored, as RFC 9110 allows: the full response is sent.
	 */
	private static List<String> ifNoneMatch(HttpHeaders requestHeaders) {
		try {
			return requestHeaders.getIfNoneMatch();
		}
		catch (IllegalArgumentException ex) {
			return List.of();
		}
	}

	private static boolean matches(List<String> ifNoneMatch, String etag) {
		for (String candidate : ifNoneMatch) {
			String tag = candidate.trim();
			if (tag.equals("*") || tag.equals(etag) || (tag.startsWith("W/") && tag.substring(2).equals(etag))) {
				return true;
			}
		}
		return false;
	}

}
