package com.example.catalog.cache;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CacheSteps}: each step of a request is an observation under the request's,
 * tagged with what it came to; outside a request, or with tracing off, nothing is
 * observed.
 */
class CacheStepsTest {

	private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final Observation request = Observation.createNotStarted("http.server.requests", this.registry);

	CacheStepsTest() {
		this.registry.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public void onStop(Observation.Context context) {
				CacheStepsTest.this.stopped.add(context);
			}

			@Override
			public boolean supportsContext(Observation.Context context) {
				return true;
			}

		});
	}

	@Test
	void aStepOfARequestIsAChildOfItsObservationTaggedWithItsOutcome() {
		CacheSteps steps = new CacheSteps(this.registry);
		StepVerifier
			.create(inRequest(
					steps.observe(CacheSteps.Step.LOOKUP, Mono.just(CacheOutcome.MISS_STORED), CacheSteps::outcomeOf)))
			.expectNext(CacheOutcome.MISS_STORED)
			.verifyComplete();
		Observation.Context step = onlyStep();
		assertThat(step.getParentObservation()).isSameAs(this.request);
		assertThat(step.getContextualName()).isEqualTo("cache lookup");
		assertThat(step.getLowCardinalityKeyValue("step").getValue()).isEqualTo("lookup");
		assertThat(step.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("miss-stored");
	}

	@Test
	void whatRunsInsideAStepHasTheStepAsItsParent() {
		CacheSteps steps = new CacheSteps(this.registry);
		Mono<Observation> seenInside = Mono
			.deferContextual((context) -> Mono.just(context.<Observation>get(ObservationThreadLocalAccessor.KEY)));
		Observation parentOfInnerWork = inRequest(steps.observe(CacheSteps.Step.LOAD, seenInside)).block();
		assertThat(parentOfInnerWork.getContext()).isSameAs(onlyStep());
	}

	@Test
	void aFailedStepIsTaggedErrorAndCarriesItsFailure() {
		CacheSteps steps = new CacheSteps(this.registry);
		IllegalStateException failure = new IllegalStateException("database down");
		StepVerifier.create(inRequest(steps.observe(CacheSteps.Step.LOAD, Mono.error(failure))))
			.verifyErrorSatisfies((ex) -> assertThat(ex).isSameAs(failure));
		Observation.Context step = onlyStep();
		assertThat(step.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("error");
		assertThat(step.getError()).isSameAs(failure);
	}

	@Test
	void aCancelledStepIsStoppedAndTaggedCancelled() {
		CacheSteps steps = new CacheSteps(this.registry);
		StepVerifier.create(inRequest(steps.observe(CacheSteps.Step.LEASE_WAIT, Mono.never()))).thenCancel().verify();
		assertThat(onlyStep().getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("cancelled");
	}

	@Test
	void aStepOutsideARequestIsNotObserved() {
		CacheSteps steps = new CacheSteps(this.registry);
		StepVerifier.create(steps.observe(CacheSteps.Step.STORE, Mono.just("stored")))
			.expectNext("stored")
			.verifyComplete();
		assertThat(this.stopped).isEmpty();
	}

	@Test
	void unobservedStepsAreTheWorkItself() {
		Mono<String> work = Mono.just("loaded");
		assertThat(CacheSteps.UNOBSERVED.observe(CacheSteps.Step.LOAD, work)).isSameAs(work);
	}

	private <T> Mono<T> inRequest(Mono<T> work) {
		return work.contextWrite((context) -> context.put(ObservationThreadLocalAccessor.KEY, this.request));
	}

	private Observation.Context onlyStep() {
		assertThat(this.stopped).hasSize(1);
		return this.stopped.get(0);
	}

}
