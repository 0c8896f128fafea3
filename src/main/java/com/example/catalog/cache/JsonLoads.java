package com.example.catalog.cache;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponse;
import org.springframework.web.ErrorResponseException;

/**
 * Runs a feature's loader the way every path of the cache does: under the ceiling of
 * concurrent loads, counted, bounded by the load timeout, and serialised to JSON once, so
 * that the bytes stored are the bytes answered. A loader that answers 404 (an
 * {@link ErrorResponse}) has its problem kept the same way, so that the same 404 can be
 * answered again without loading.
 */
final class JsonLoads {

	private final JsonMapper jsonMapper;

	private final Duration loadTimeout;

	private final CacheMetrics metrics;

	private final LoadBulkhead bulkhead;

	private final CacheSteps steps;

	JsonLoads(JsonMapper jsonMapper, Duration loadTimeout, LoadBulkhead bulkhead, CacheMetrics metrics,
			CacheSteps steps) {
		this.jsonMapper = jsonMapper;
		this.loadTimeout = loadTimeout;
		this.bulkhead = bulkhead;
		this.metrics = metrics;
		this.steps = steps;
	}

	/**
	 * Counted once it reached the database: whether it succeeded, failed or was given up.
	 * (A request its client's limit refuses never gets here: its admission comes first.)
	 */
	Mono<byte[]> load(Mono<?> loader) {
		return this.steps.observe(CacheSteps.Step.LOAD,
				this.bulkhead.run(loader.doOnSuccess((value) -> this.metrics.loaded())
					.doOnError((failure) -> this.metrics.loaded())
					.doOnCancel(this.metrics::loaded)
					.timeout(this.loadTimeout)
					.map((value) -> this.jsonMapper
						.writeValueAsBytes((value instanceof ScopedBody scoped) ? scoped.body() : value))));
	}

	static boolean isNotFound(Throwable failure) {
		return failure instanceof ErrorResponse response && response.getStatusCode().value() == 404;
	}

	/** The problem of a loader's 404, as the cache keeps it. */
	byte[] notFoundJson(Throwable failure) {
		ProblemDetail problem = ((ErrorResponse) failure).getBody();
		Map<String, Object> fields = new LinkedHashMap<>();
		if (problem.getType() != null) {
			fields.put("type", problem.getType().toString());
		}
		fields.put("title", problem.getTitle());
		fields.put("detail", problem.getDetail());
		return this.jsonMapper.writeValueAsBytes(fields);
	}

	/** The 404 to answer again from a kept problem. */
	ErrorResponseException notFound(byte[] json) {
		Map<?, ?> fields = this.jsonMapper.readValue(json, Map.class);
		ProblemDetail problem = ProblemDetail.forStatus(HttpStatus.NOT_FOUND);
		if (fields.get("type") instanceof String type) {
			problem.setType(URI.create(type));
		}
		problem.setTitle((String) fields.get("title"));
		problem.setDetail((String) fields.get("detail"));
		return new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null);
	}

}
