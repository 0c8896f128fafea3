package com.example.catalog.system;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.responses.ApiResponse;

/**
 * OpenAPI annotations that several operations share. An error response needs only its
 * code and description: {@link OpenApiConfiguration} documents every one as a problem.
 */
public final class ApiDocs {

	private ApiDocs() {
	}

	/** The responses every cacheable GET documents besides its 200. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@ApiResponse(responseCode = "304", description = "If-None-Match named the current ETag",
			headers = @Header(name = "ETag", description = "Strong validator of the response"))
	@ApiResponse(responseCode = "400", description = "An unknown, repeated or invalid parameter")
	@ApiResponse(responseCode = "503", description = "The database cannot be reached and nothing is cached",
			headers = @Header(name = "Retry-After", description = "Seconds to wait"))
	public @interface CacheableGetResponses {

	}

	/** The responses every change of the catalog documents besides its success. */
	@Target(ElementType.METHOD)
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@ApiResponse(responseCode = "400", description = "Invalid JSON or an invalid field, named in the problem")
	@ApiResponse(responseCode = "401", description = "No or wrong credentials",
			headers = @Header(name = "WWW-Authenticate", description = "Basic realm=\"catalog\""))
	@ApiResponse(responseCode = "403", description = "The account is not an editor")
	@ApiResponse(responseCode = "503", description = "The database cannot be reached",
			headers = @Header(name = "Retry-After", description = "Seconds to wait"))
	public @interface WriteResponses {

	}

}
