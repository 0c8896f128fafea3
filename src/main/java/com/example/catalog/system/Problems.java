package com.example.catalog.system;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * RFC 9457 problems the handlers raise. Each names what was wrong in a property a client
 * can read ({@code parameter} for the query and path, {@code field} for a request body).
 */
public final class Problems {

	private Problems() {
	}

	public static ErrorResponseException badParameter(String parameter, String detail) {
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Invalid request parameter",
				"Parameter '" + parameter + "': " + detail);
		problem.setProperty("parameter", parameter);
		return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
	}

	public static ErrorResponseException badField(String field, String detail) {
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "Invalid request body",
				(field != null) ? "Field '" + field + "': " + detail : detail);
		if (field != null) {
			problem.setProperty("field", field);
		}
		return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
	}

	public static ErrorResponseException notFound(String detail) {
		return new ErrorResponseException(HttpStatus.NOT_FOUND, problem(HttpStatus.NOT_FOUND, "Not found", detail),
				null);
	}

	public static ErrorResponseException conflict(String field, String detail) {
		ProblemDetail problem = problem(HttpStatus.CONFLICT, "Conflict", detail);
		problem.setProperty("field", field);
		return new ErrorResponseException(HttpStatus.CONFLICT, problem, null);
	}

	public static ErrorResponseException status(HttpStatus status, String title, String detail) {
		return new ErrorResponseException(status, problem(status, title, detail), null);
	}

	/**
	 * A problem as the JSON members RFC 9457 defines, with its extension properties at
	 * the top level: for writing a problem outside Spring's message writers.
	 */
	public static Map<String, Object> members(ProblemDetail problem) {
		Map<String, Object> members = new LinkedHashMap<>();
		members.put("type", String.valueOf(problem.getType()));
		members.put("title", problem.getTitle());
		members.put("status", problem.getStatus());
		if (problem.getDetail() != null) {
			members.put("detail", problem.getDetail());
		}
		if (problem.getInstance() != null) {
			members.put("instance", problem.getInstance().toString());
		}
		if (problem.getProperties() != null) {
			members.putAll(problem.getProperties());
		}
		return members;
	}

	public static ProblemDetail problem(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		problem.setType(URI.create("about:blank"));
		return problem;
	}

}
