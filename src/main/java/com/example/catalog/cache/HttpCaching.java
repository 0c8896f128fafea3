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

	private static final String PUBLIC_VARY = HttpHeaders.ACCEPT_ENCODING;

	private static final String PRINCIPAL_VARY = HttpHeaders.AUTHORIZATION + ", " + HttpHeaders.ACCEPT_ENCODING;

	private final String publicCacheControl;

	private final String privateCacheControl;

	HttpCaching(Duration publicMaxAge) {
		// Clients revalidate (cheaply, with If-None-Match) rather than reuse a copy
		// that a write elsewhere may already have made stale.
		this.publicCacheControl = CacheControl.maxAge(publicMaxAge).cachePublic().mustRevalidate().getHeaderValue();
		this.privateCacheControl = CacheControl.maxAge(Duration.ZERO).cachePrivate().mustRevalidate().getHeaderValue();
	}

	ResponseEntity<ByteBuffer> render(CachedResponse response, HttpHeaders requestHeaders) {
		HttpHeaders headers = new HttpHeaders();
		Rendition rendition = render(response, requestHeaders, headers);
		return new ResponseEntity<>(rendition.body(), headers, rendition.status());
	}

	/**
	 * Sets the response headers and says what to send: 200 with the body, or 304 without
	 * one when the request's {@code If-None-Match} names the current ETag.
	 */
	Rendition render(CachedResponse response, HttpHeaders requestHeaders, HttpHeaders responseHeaders) {
		boolean gzip = response.gzipBody() != null && acceptsGzip(requestHeaders);
		// Each content coding is its own representation, so each has its own strong ETag.
		responseHeaders.setETag('"' + response.etag() + (gzip ? GZIP_ETAG_SUFFIX : "") + '"');
		boolean principal = response.scope() == CacheScope.PRINCIPAL;
		responseHeaders.set(HttpHeaders.CACHE_CONTROL, principal ? this.privateCacheControl : this.publicCacheControl);
		responseHeaders.set(CACHE_STATUS, response.cacheStatus());
		responseHeaders.set(HttpHeaders.VARY, principal ? PRINCIPAL_VARY : PUBLIC_VARY);
		if (matches(ifNoneMatch(requestHeaders), response.etag())) {
			return new Rendition(HttpStatus.NOT_MODIFIED, null);
		}
		responseHeaders.setContentType(MediaType.APPLICATION_JSON);
		if (gzip) {
			responseHeaders.set(HttpHeaders.CONTENT_ENCODING, "gzip");
			return new Rendition(HttpStatus.OK, response.gzipBodyView());
		}
		return new Rendition(HttpStatus.OK, response.bodyView());
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
		List<String> headers = requestHeaders.get(HttpHeaders.ACCEPT_ENCODING);
		if (headers == null) {
			return false;
		}
		for (String header : headers) {
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

	/** What to send after the headers: a status and the body, {@code null} for none. */
	record Rendition(HttpStatus status, ByteBuffer body) {

	}

}
