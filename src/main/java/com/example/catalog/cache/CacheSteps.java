package com.example.catalog.cache;

import java.util.Locale;
import java.util.function.Function;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import reactor.core.publisher.Mono;

/**
 * The steps of a cacheable request, observed as children of the request's own
 * observation, which WebFlux keeps in the Reactor context: with tracing on, each is a
 * span of the request's trace (and a {@code catalog.cache.step} timer tagged with its
 * step and outcome), so a trace shows where a request's time went. Redis commands and
 * database queries observed inside a step become its children.
 * <p>
 * A step outside a request (a refresh ahead of expiry, or the generation read in front of
 * WebFlux, before a request has an observation) is not observed: it would start a trace
 * of its own.
 * <p>
 * Built with {@link ObservationRegistry#NOOP} while tracing is off: then a step costs a
 * request one check and nothing else, which keeps hits as fast as without tracing.
 */
final class CacheSteps {

	static final CacheSteps UNOBSERVED = new CacheSteps(ObservationRegistry.NOOP);

	static final String OBSERVATION_NAME = "catalog.cache.step";

	private final ObservationRegistry registry;

	CacheSteps(ObservationRegistry registry) {
		this.registry = registry;
	}

	<T> Mono<T> observe(Step step, Mono<T> work) {
		return observe(step, work, (value) -> "success");
	}

	/**
	 * Observes {@code work} as {@code step}, tagged with the outcome its value names, or
	 * {@code error}, or {@code empty}, or {@code cancelled}.
	 */
	<T> Mono<T> observe(Step step, Mono<T> work, Function<? super T, String> outcome) {
		if (this.registry.isNoop()) {
			return work;
		}
		return Mono.deferContextual((context) -> {
			Observation request = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
			if (request == null) {
				return work;
			}
			Observation observation = Observation.createNotStarted(OBSERVATION_NAME, this.registry)
				.contextualName(step.spanName())
				.lowCardinalityKeyValue("step", step.tag())
				.lowCardinalityKeyValue("outcome", "empty")
				.parentObservation(request)
				.start();
			return work.doOnNext((value) -> observation.lowCardinalityKeyValue("outcome", outcome.apply(value)))
				.doOnError((failure) -> observation.lowCardinalityKeyValue("outcome", "error").error(failure))
				.doOnCancel(() -> observation.lowCardinalityKeyValue("outcome", "cancelled"))
				.doFinally((signal) -> observation.stop())
				.contextWrite((inner) -> inner.put(ObservationThreadLocalAccessor.KEY, observation));
		});
	}

	static String outcomeOf(CacheOutcome outcome) {
		return outcome.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/** What a cacheable request spends its time on, besides Redis commands. */
	enum Step {

		/** The whole way from a key to a response: hit, miss, stale or bypass. */
		LOOKUP,

		/** Reading the generation counters the key depends on. */
		GENERATIONS,

		/** Waiting for the instance that holds the load lease to store the value. */
		LEASE_WAIT,

		/** Running a feature's loader (the database) and serialising its value. */
		LOAD,

		/** Storing a loaded value in Redis. */
		STORE;

		String tag() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

		String spanName() {
			return "cache " + name().toLowerCase(Locale.ROOT).replace('_', ' ');
		}

	}

}
