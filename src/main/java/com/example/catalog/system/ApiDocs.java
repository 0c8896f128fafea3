package com.example.catalog.system;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/**
 * OpenAPI annotations and texts that several operations share. An error response needs
 * only its code, description and headers: {@link OpenApiConfiguration} documents every
 * one as a problem, and gives every header and parameter without a schema a string one.
 */
public final class ApiDocs {

	/** Header: the strong validator of a cacheable representation. */
	public static final String ETAG = "Strong validator of this representation; a gzip-compressed body has its own "
			+ "(the same tag with -gzip). For an item it names the item's version: send it back in If-Match to "
			+ "change the item only if nobody else has meanwhile.";

	/** Header: how the response cache produced a response (RFC 9211). */
	public static final String CACHE_STATUS = "RFC 9211, the cache named catalog: 'catalog; hit' from the cache, "
			+ "'catalog; fwd=miss; stored' (or '; collapsed' when it shared another request's load) when loaded, "
			+ "'catalog; fwd=bypass; detail=disabled' or '...; detail=unavailable' when the cache is off or Redis "
			+ "cannot be reached, 'catalog; fwd=stale; detail=stale' for the last copy served while the "
			+ "database fails. Hits and stale copies add ttl=<seconds of freshness left>, and every response "
			+ "served from or stored in the cache key=\"<the entry's Redis key>\" (principals only as digests)";

	/** Header: the caching rules of a cacheable response. */
	public static final String CACHE_CONTROL = "'public, max-age=0, must-revalidate' (private for a principal's "
			+ "own pages): revalidate with If-None-Match before reuse";

	/** Header: what a cacheable response varies on. */
	public static final String VARY = "Accept-Encoding, and Authorization for a principal's own pages";

	/** Header: the seconds to wait before retrying. */
	public static final String RETRY_AFTER = "Seconds to wait before trying again";

	/** Parameter: the ETags a client holds, for a 304. */
	public static final String IF_NONE_MATCH = "ETags of copies the client holds; the current one gets a 304";

	/** Parameter: the versions a write may change. */
	public static final String IF_MATCH = "The ETag of the item as the client read it (or a list of them): the "
			+ "change is made only if the item is still at that version, otherwise 412. '*' makes it only if "
			+ "the item exists. Required (428 without it) when catalog.writes.require-if-match is true";

	/** Response: why a change answers 503. */
	public static final String WRITE_UNAVAILABLE = "The database cannot be reached; or, with \"saved\": true, the "
			+ "change is saved but the cache did not confirm in time that every instance shows it (repeating the "
			+ "request is safe)";

	private ApiDocs() {
	}

	/** The responses every cacheable GET documents besides its 200. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@ApiResponse(responseCode = "304", description = "If-None-Match named the current ETag; no body",
			headers = { @Header(name = "ETag", description = ETAG, required = true),
					@Header(name = "Cache-Control", description = CACHE_CONTROL, required = true),
					@Header(name = "Cache-Status", description = CACHE_STATUS, required = true),
					@Header(name = "Vary", description = VARY) })
	@ApiResponse(responseCode = "400", description = "An unknown, repeated or invalid parameter")
	@ApiResponse(responseCode = "503",
			description = "The database cannot be reached, or this instance runs as many loads as it may"
					+ " and none ended in time; nothing is cached",
			headers = @Header(name = "Retry-After", description = RETRY_AFTER, required = true,
					schema = @Schema(type = "integer", minimum = "0")))
	public @interface CacheableGetResponses {

	}

	/** The responses every change documents besides its success. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@ApiResponse(responseCode = "400", description = "Invalid JSON or an invalid field or header, named in the problem")
	@ApiResponse(responseCode = "401", description = "No or wrong credentials",
			headers = @Header(name = "WWW-Authenticate", description = "Basic realm=\"catalog\"", required = true))
	@ApiResponse(responseCode = "403", description = "The account may not do this")
	@ApiResponse(responseCode = "503", description = WRITE_UNAVAILABLE, headers = @Header(name = "Retry-After",
			description = RETRY_AFTER, required = true, schema = @Schema(type = "integer", minimum = "0")))
	public @interface WriteResponses {

	}

	/**
	 * The responses a change with a JSON body documents besides {@link WriteResponses}.
	 */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@ApiResponse(responseCode = "413", description = "The body exceeds 64 KiB")
	@ApiResponse(responseCode = "415", description = "The body is not JSON")
	public @interface JsonBodyResponses {

	}

}
