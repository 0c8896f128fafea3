package com.example.catalog.cache;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class SingleFlightTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final AtomicInteger loaderSubscriptions = new AtomicInteger();

	private final AtomicBoolean loadCancelled = new AtomicBoolean();

	/** A loader that counts its subscriptions and answers whatever {@code sink} emits. */
	private Supplier<Mono<String>> loader(Sinks.One<String> sink) {
		return () -> Mono.defer(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return sink.asMono();
		}).doOnCancel(() -> this.loadCancelled.set(true));
	}

	@Test
	void hundredConcurrentJoinersShareOneLoaderSubscriptionAndOneLeader() throws Exception {
		SingleFlight<String, String> flights = new SingleFlight<>(100);
		Sinks.One<String> sink = Sinks.one();
		int callers = 100;
		CountDownLatch start = new CountDownLatch(1);
		CountDownLatch joined = new CountDownLatch(callers);
		CountDownLatch done = new CountDownLatch(callers);
		AtomicInteger leaders = new AtomicInteger();
		Queue<String> values = new ConcurrentLinkedQueue<>();
		Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		try {
			for (int i = 0; i < callers; i++) {
				executor.execute(() -> {
					try {
						start.await();
						SingleFlight.Flight<String> flight = flights.join("key", loader(sink));
						if (flight.leader()) {
							leaders.incrementAndGet();
						}
						flight.result().doFinally((signal) -> done.countDown()).subscribe(values::add, errors::add);
					}
					catch (Throwable ex) {
						errors.add(ex);
					}
					finally {
						joined.countDown();
					}
				});
			}
			start.countDown();
			assertThat(joined.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			// Every caller has subscribed while the load is still open.
			assertThat(this.loaderSubscriptions).hasValue(1);
			assertThat(flights.size()).isEqualTo(1);
			assertThat(values).isEmpty();

			sink.tryEmitValue("value").orThrow();

			assertThat(done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertThat(errors).isEmpty();
			assertThat(values).hasSize(callers).containsOnly("value");
			assertThat(leaders).hasValue(1);
			assertThat(this.loaderSubscriptions).hasValue(1);
			assertThat(flights.size()).isZero();
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void onlyTheFirstCallerIsLeader() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		Sinks.One<String> sink = Sinks.one();
		SingleFlight.Flight<String> first = flights.join("key", loader(sink));
		SingleFlight.Flight<String> second = flights.join("key", loader(sink));
		assertThat(first.leader()).isTrue();
		assertThat(second.leader()).isFalse();
		assertThat(second.result()).isSameAs(first.result());
		sink.tryEmitValue("v").orThrow();
		StepVerifier.create(first.result()).expectNext("v").expectComplete().verify(TIMEOUT);
	}

	@Test
	void differentKeysDoNotShareALoad() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		SingleFlight.Flight<String> a = flights.join("a", () -> Mono.just("A"));
		SingleFlight.Flight<String> b = flights.join("b", () -> Mono.just("B"));
		assertThat(a.leader()).isTrue();
		assertThat(b.leader()).isTrue();
		assertThat(flights.size()).isEqualTo(2);
		StepVerifier.create(a.result()).expectNext("A").expectComplete().verify(TIMEOUT);
		StepVerifier.create(b.result()).expectNext("B").expectComplete().verify(TIMEOUT);
		assertThat(flights.size()).isZero();
	}

	@Test
	void entryLeavesTheMapAfterSuccess() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		Sinks.One<String> sink = Sinks.one();
		SingleFlight.Flight<String> flight = flights.join("key", loader(sink));
		StepVerifier.create(flight.result())
			.then(() -> assertThat(flights.size()).isEqualTo(1))
			.then(() -> sink.tryEmitValue("value").orThrow())
			.expectNext("value")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(flights.size()).isZero();
	}

	@Test
	void entryLeavesTheMapAfterError() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		Sinks.One<String> sink = Sinks.one();
		SingleFlight.Flight<String> flight = flights.join("key", loader(sink));
		StepVerifier.create(flight.result())
			.then(() -> assertThat(flights.size()).isEqualTo(1))
			.then(() -> sink.tryEmitError(new IllegalStateException("boom")).orThrow())
			.expectErrorMessage("boom")
			.verify(TIMEOUT);
		assertThat(flights.size()).isZero();
	}

	@Test
	void joinersDuringAFailedLoadShareTheErrorButALaterJoinRunsTheLoaderAgain() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		Sinks.One<String> failing = Sinks.one();
		SingleFlight.Flight<String> first = flights.join("key", loader(failing));
		SingleFlight.Flight<String> during = flights.join("key", loader(failing));
		assertThat(during.leader()).isFalse();
		StepVerifier.create(first.result())
			.then(() -> failing.tryEmitError(new IllegalStateException("boom")).orThrow())
			.expectErrorMessage("boom")
			.verify(TIMEOUT);
		StepVerifier.create(during.result()).expectErrorMessage("boom").verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);

		SingleFlight.Flight<String> later = flights.join("key", () -> Mono.fromSupplier(() -> {
			this.loaderSubscriptions.incrementAndGet();
			return "recovered";
		}));
		assertThat(later.leader()).isTrue();
		StepVerifier.create(later.result()).expectNext("recovered").expectComplete().verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(2);
		assertThat(flights.size()).isZero();
	}

	@Test
	void aValueIsNotKeptAfterItsLoadSoALaterJoinLoadsAgain() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		AtomicInteger loads = new AtomicInteger();
		Supplier<Mono<String>> counting = () -> Mono.fromSupplier(() -> "load-" + loads.incrementAndGet());
		StepVerifier.create(flights.join("key", counting).result())
			.expectNext("load-1")
			.expectComplete()
			.verify(TIMEOUT);
		StepVerifier.create(flights.join("key", counting).result())
			.expectNext("load-2")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(flights.size()).isZero();
	}

	/**
	 * Observed behaviour: {@code Mono.cache()} does not cancel its source when its last
	 * subscriber cancels. The load keeps running, its entry stays in the map (so a caller
	 * arriving meanwhile joins it instead of starting another load), and the entry leaves
	 * the map only when the load terminates. The class comment's "or is cancelled" never
	 * happens.
	 */
	@Test
	void whenEverySubscriberCancelsTheLoadKeepsRunningAndStaysInTheMapUntilItTerminates() {
		SingleFlight<String, String> flights = new SingleFlight<>(10);
		Sinks.One<String> sink = Sinks.one();
		SingleFlight.Flight<String> first = flights.join("key", loader(sink));
		SingleFlight.Flight<String> second = flights.join("key", loader(sink));
		Disposable a = first.result().subscribe();
		Disposable b = second.result().subscribe();
		assertThat(this.loaderSubscriptions).hasValue(1);

		a.dispose();
		b.dispose();

		assertThat(this.loadCancelled).isFalse();
		assertThat(flights.size()).isEqualTo(1);

		SingleFlight.Flight<String> late = flights.join("key", loader(sink));
		assertThat(late.leader()).isFalse();
		StepVerifier.create(late.result())
			.then(() -> sink.tryEmitValue("value").orThrow())
			.expectNext("value")
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.loaderSubscriptions).hasValue(1);
		assertThat(this.loadCancelled).isFalse();
		assertThat(flights.size()).isZero();
	}

	@Test
	void pastMaxFlightsCallersLoadOnTheirOwnAndStillGetCorrectValues() {
		SingleFlight<String, String> flights = new SingleFlight<>(2);
		Sinks.One<String> sinkA = Sinks.one();
		Sinks.One<String> sinkB = Sinks.one();
		SingleFlight.Flight<String> a = flights.join("a", () -> sinkA.asMono());
		SingleFlight.Flight<String> b = flights.join("b", () -> sinkB.asMono());
		assertThat(flights.size()).isEqualTo(2);

		AtomicInteger cLoads = new AtomicInteger();
		Supplier<Mono<String>> cLoader = () -> Mono.fromSupplier(() -> "c-" + cLoads.incrementAndGet());
		SingleFlight.Flight<String> c1 = flights.join("c", cLoader);
		SingleFlight.Flight<String> c2 = flights.join("c", cLoader);
		assertThat(c1.leader()).isTrue();
		assertThat(c2.leader()).isTrue();
		assertThat(flights.size()).isEqualTo(2);
		StepVerifier.create(c1.result()).expectNext("c-1").expectComplete().verify(TIMEOUT);
		StepVerifier.create(c2.result()).expectNext("c-2").expectComplete().verify(TIMEOUT);
		assertThat(cLoads).hasValue(2);

		// Keys already in flight are still shared while the map is full.
		SingleFlight.Flight<String> aAgain = flights.join("a", () -> Mono.error(new AssertionError("not shared")));
		assertThat(aAgain.leader()).isFalse();
		StepVerifier
			.create(Mono.zip(a.result(), aAgain.result(), b.result())
				.map((t) -> List.of(t.getT1(), t.getT2(), t.getT3())))
			.then(() -> sinkA.tryEmitValue("A").orThrow())
			.then(() -> sinkB.tryEmitValue("B").orThrow())
			.expectNext(List.of("A", "A", "B"))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(flights.size()).isZero();

		// Once there is room again, new keys are shared.
		Sinks.One<String> sinkC = Sinks.one();
		SingleFlight.Flight<String> c3 = flights.join("c", () -> sinkC.asMono());
		SingleFlight.Flight<String> c4 = flights.join("c", cLoader);
		assertThat(c3.leader()).isTrue();
		assertThat(c4.leader()).isFalse();
		sinkC.tryEmitValue("C").orThrow();
		StepVerifier.create(c4.result()).expectNext("C").expectComplete().verify(TIMEOUT);
	}

}
