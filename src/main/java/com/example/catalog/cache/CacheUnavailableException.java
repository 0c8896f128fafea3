package com.example.catalog.cache;

/**
 * Redis failed, timed out, or is not being asked because its circuit breaker is open. The
 * cache answers this by serving from the loader, never by failing the request.
 */
class CacheUnavailableException extends RuntimeException {

	CacheUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
