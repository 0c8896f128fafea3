package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

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

	static final String GZIP_ETAG_SUFFIX = "-gzip";

	private final Duration publicMaxAge;

	HttpCaching(Duration publicMaxAge) {
		this.publicMaxAge = publicMaxAge;
	}

	ResponseEntity<ByteBuffer> render(CachedResponse response, HttpHeaders requestHeaders) {
		boolean gzip = response.gzipBody() != null && acceptsGzip(requestHeaders);
		// Each content coding is its own representation, so each has its own strong ETag.
		String etag = '"' + response.etag() + (gzip ? GZIP_ETAG_SUFFIX : "") + '"';
		boolean notModified = matches(ifNoneMatch(requestHeaders), response.etag());
		ResponseEntity.BodyBuilder builder = ResponseEntity
			.status(notModified ? HttpStatus.NOT_MODIFIED : HttpStatus.OK)
			.eTag(etag)
			.cacheControl(cacheControl(response.scope()))
			.header(CACHE_STATUS, response.outcome().cacheStatusHeader());
		if (response.scope() == CacheScope.PRINCIPAL) {
			builder.varyBy(HttpHeaders.AUTHORIZATION, HttpHeaders.ACCEPT_ENCODING);
		}
		else {
			builder.varyBy(HttpHeaders.ACCEPT_ENCODING);
		}
		if (notModified) {
			return builder.build();
		}
		if (gzip) {
			return builder.contentType(MediaType.APPLICATION_JSON)
				.header(HttpHeaders.CONTENT_ENCODING, "gzip")
				.body(response.gzipBodyView());
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

	/** Whether any listed tag names either representation of this content. */
	private static boolean matches(List<String> ifNoneMatch, String etag) {
		String plain = '"' + etag + '"';
		String gzipped = '"' + etag + GZIP_ETAG_SUFFIX + '"';
		for (String candidate : ifNoneMatch) {
			String tag = candidate.trim();
			if (tag.startsWith("W/")) {
				tag = tag.substring(2);
			}
			if (tag.equals("*") || tag.equals(plain) || tag.equals(gzipped)) {
				return true;
			}
		}
		return false;
	}

	static boolean acceptsGzip(HttpHeaders requestHeaders) {
		for (String header : requestHeaders.getOrEmpty(HttpHeaders.ACCEPT_ENCODING)) {
			for (String coding : header.split(",")) {
				String[] parts = coding.split(";");
				String name = parts[0].trim().toLowerCase(Locale.ROOT);
				if ((name.equals("gzip") || name.equals("x-gzip") || name.equals("*")) && !zeroQuality(parts)) {
					return true;
				}
			}
		}
		return false;
	}

	private static boolean zeroQuality(String[] parameters) {
		for (int i = 1; i < parameters.length; i++) {
			String parameter = parameters[i].trim().replace(" ", "");
			if (parameter.startsWith("q=")) {
				try {
					return Double.parseDouble(parameter.substring(2)) <= 0;
				}
				catch (NumberFormatException ex) {
					return true;
				}
			}
		}
		return false;
	}

}
