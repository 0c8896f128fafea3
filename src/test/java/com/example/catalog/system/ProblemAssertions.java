package com.example.catalog.system;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Assertions on the 400 problems that the parsers raise.
 */
public final class ProblemAssertions {

	private ProblemAssertions() {
	}

	/** {@code parsing} fails with a 400 whose {@code parameter} is {@code parameter}. */
	public static void assertBadParameter(ThrowingCallable parsing, String parameter) {
		assertBad(parsing, "parameter", parameter);
	}

	/**
	 * {@code parsing} fails with a 400 whose {@code field} is {@code field}, or that
	 * names no field when {@code field} is {@code null}.
	 */
	public static void assertBadField(ThrowingCallable parsing, String field) {
		assertBad(parsing, "field", field);
	}

	private static void assertBad(ThrowingCallable parsing, String property, String value) {
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(parsing).satisfies((ex) -> {
			assertThat(ex.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
			if (value != null) {
				assertThat(ex.getBody().getProperties()).as("problem %s", ex.getBody()).containsEntry(property, value);
			}
			else if (ex.getBody().getProperties() != null) {
				assertThat(ex.getBody().getProperties()).as("problem %s", ex.getBody()).doesNotContainKey(property);
			}
		});
	}

}
