package com.example.catalog.system;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import com.example.catalog.cache.InvalidationUnconfirmedException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;

/**
 * Turns every failure of a handler into an RFC 9457 problem. Spring's own exceptions
 * (404, 405, 406, 415, bad input) keep their status; a database that cannot be reached is
 * a 503 with {@code Retry-After}; anything unexpected is a 500 that is logged.
 */
@RestControllerAdvice
class ProblemExceptionHandler extends ResponseEntityExceptionHandler {

	static final String RETRY_AFTER_SECONDS = "5";

	private static final Log logger = LogFactory.getLog(ProblemExceptionHandler.class);

	@ExceptionHandler({ DataAccessResourceFailureException.class, TransientDataAccessException.class,
			QueryTimeoutException.class, R2dbcTransientResourceException.class,
			R2dbcNonTransientResourceException.class, TimeoutException.class })
	Mono<ResponseEntity<ProblemDetail>> databaseUnavailable(Exception ex, ServerWebExchange exchange) {
		logger.warn("Database unavailable for " + exchange.getRequest().getPath() + ": " + ex.getMessage());
		return Mono.just(unavailable());
	}

	/**
	 * The change was committed but Redis did not confirm its invalidation: it must not be
	 * acknowledged as visible, and it must not look like a failure that lost it.
	 */
	@ExceptionHandler(InvalidationUnconfirmedException.class)
	Mono<ResponseEntity<ProblemDetail>> savedNotYetVisible(InvalidationUnconfirmedException ex,
			ServerWebExchange exchange) {
		logger.warn("Saved " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath()
				+ " but could not confirm it is visible everywhere: " + ex.getMessage());
		ProblemDetail problem = Problems.problem(HttpStatus.SERVICE_UNAVAILABLE, "Saved, not yet visible everywhere",
				"The change is saved, but the cache did not confirm in time that every instance shows it. "
						+ "Repeating the request is safe for PUT and DELETE, and for POST with the same "
						+ "Idempotency-Key; it is answered with success once the change is visible everywhere.");
		problem.setProperty("saved", true);
		return Mono.just(ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, "1")
			.body(problem));
	}

	@ExceptionHandler(R2dbcException.class)
	Mono<ResponseEntity<ProblemDetail>> databaseFailed(R2dbcException ex, ServerWebExchange exchange) {
		if (isConnectionProblem(ex)) {
			return databaseUnavailable(ex, exchange);
		}
		return unexpected(ex, exchange);
	}

	@ExceptionHandler(Exception.class)
	Mono<ResponseEntity<ProblemDetail>> unexpected(Exception ex, ServerWebExchange exchange) {
		Throwable cause = ex;
		while (cause != null) {
			if (cause instanceof R2dbcException r2dbc && isConnectionProblem(r2dbc) || cause instanceof ConnectException
					|| cause instanceof TimeoutException) {
				return databaseUnavailable(ex, exchange);
			}
			cause = cause.getCause();
		}
		logger.error(
				"Unexpected failure of " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath(),
				ex);
		return Mono.just(ResponseEntity.internalServerError()
			.body(Problems.problem(HttpStatus.INTERNAL_SERVER_ERROR, "Internal server error",
					"The request failed unexpectedly; it has been logged")));
	}

	static ResponseEntity<ProblemDetail> unavailable() {
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.body(Problems.problem(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable",
					"The database cannot be reached; try again shortly"));
	}

	private static boolean isConnectionProblem(R2dbcException ex) {
		String state = ex.getSqlState();
		// SQLSTATE class 08: connection exception; 57P0x: the server is shutting down
		return ex instanceof R2dbcTransientResourceException || ex instanceof R2dbcNonTransientResourceException
				|| (state != null && (state.startsWith("08") || state.startsWith("57P")));
	}

}
