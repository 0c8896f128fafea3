package com.example.catalog.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Changes Redis did not confirm: while one is pending, a request reading a counter it
 * touches joins one retry of them all, waits for it at most one retry timeout, and is
 * turned away from Redis if the change is still unconfirmed.
 */
class PendingChangesTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration RETRY_TIMEOUT = Duration.ofMillis(500);

	private static final String DECOR = "category:decor";

	private static final String GARDEN = "category:garden";

	private final PendingChanges pending = new PendingChanges(RETRY_TIMEOUT);

	/** How often each change was sent, by id. */
	private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();

	private static CounterChange change(String id, String... counters) {
		return new CounterChange(id, List.of(new CounterChange.Slot(id + ":marker", List.of(counters))));
	}

	/** Sends a change by subscribing to what {@code answer} gives, counting the sends. */
	private Function<CounterChange, Mono<Void>> sending(Function<CounterChange, Mono<Void>> answer) {
		return (change) -> Mono.defer(() -> {
			this.sent.computeIfAbsent(change.id(), (id) -> new AtomicInteger()).incrementAndGet();
			return answer.apply(change);
		});
	}

	private Function<CounterChange, Mono<Void>> confirming() {
		return sending((change) -> Mono.empty());
	}

	private Function<CounterChange, Mono<Void>> unconfirmed() {
		return sending((change) -> Mono.error(new CacheUnavailableException("Redis BUMP failed", null)));
	}

	private int sent(String id) {
		AtomicInteger count = this.sent.get(id);
		return (count != null) ? count.get() : 0;
	}

	@Test
	void withNothingPendingARequestGoesAheadWithoutSendingAnything() {
		assertThat(this.pending.isEmpty()).isTrue();
		StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), confirming())).expectComplete().verify(TIMEOUT);
		assertThat(this.sent).isEmpty();
	}

	@Test
	void aKeptChangeIsPendingAndKeptOnceHoweverOftenItIsKept() {
		this.pending.keep(change("tx:1", DECOR));
		this.pending.keep(change("tx:1", DECOR));
		assertThat(this.pending.isEmpty()).isFalse();
		StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), unconfirmed()))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		assertThat(sent("tx:1")).isEqualTo(1);
	}

	@Test
	void aRetryRedisConfirmsClearsTheChangeAndTheRequestGoesAhead() {
		this.pending.keep(change("tx:1", DECOR));
		StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), confirming())).expectComplete().verify(TIMEOUT);
		assertThat(sent("tx:1")).isEqualTo(1);
		assertThat(this.pending.isEmpty()).isTrue();
		StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), confirming())).expectComplete().verify(TIMEOUT);
		assertThat(sent("tx:1")).as("a confirmed change is not sent again").isEqualTo(1);
	}

	@Test
	void aRequestReadingACounterAStillUnconfirmedChangeTouchesIsTurnedAway() {
		this.pending.keep(change("tx:1", DECOR));
		StepVerifier.create(this.pending.retryThenCheck(List.of(GARDEN, DECOR), unconfirmed()))
			.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(CacheUnavailableException.class)
				.hasMessageContaining("pending"))
			.verify(TIMEOUT);
		assertThat(this.pending.isEmpty()).isFalse();
	}

	@Test
	void aRequestReadingOnlyCountersNoPendingChangeTouchesGoesAheadAfterTheRetry() {
		this.pending.keep(change("tx:1", DECOR));
		StepVerifier.create(this.pending.retryThenCheck(List.of(GARDEN), unconfirmed()))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(sent("tx:1")).as("the request still retried the pending change").isEqualTo(1);
		assertThat(this.pending.isEmpty()).isFalse();
	}

	@Test
	void onlyTheChangesStillUnconfirmedAfterTheRetryTurnRequestsAway() {
		this.pending.keep(change("tx:1", DECOR));
		this.pending.keep(change("tx:2", GARDEN));
		Function<CounterChange, Mono<Void>> onlyFirstConfirmed = sending((change) -> change.id().equals("tx:1")
				? Mono.empty() : Mono.error(new CacheUnavailableException("Redis BUMP failed", null)));
		StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), onlyFirstConfirmed))
			.expectComplete()
			.verify(TIMEOUT);
		StepVerifier.create(this.pending.retryThenCheck(List.of(GARDEN), onlyFirstConfirmed))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		assertThat(sent("tx:1")).isEqualTo(1);
		assertThat(sent("tx:2")).as("each request retried what was still pending").isEqualTo(2);
	}

	@Test
	void aRetryRedisDoesNotAnswerIsWaitedForAtMostOneRetryTimeout() {
		this.pending.keep(change("tx:1", DECOR));
		this.pending.keep(change("tx:2", DECOR));
		this.pending.keep(change("tx:3", GARDEN));
		StepVerifier
			.withVirtualTime(() -> this.pending.retryThenCheck(List.of(DECOR), sending((change) -> Mono.never())))
			.expectSubscription()
			.then(() -> assertThat(this.sent).as("the changes are sent together, not one after another")
				.containsOnlyKeys("tx:1", "tx:2", "tx:3"))
			.expectNoEvent(RETRY_TIMEOUT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectError(CacheUnavailableException.class)
			.verify(TIMEOUT);
		assertThat(this.pending.isEmpty()).isFalse();
	}

	@Test
	void aRetryThatTimesOutLetsARequestOnOtherCountersGoAhead() {
		this.pending.keep(change("tx:1", DECOR));
		StepVerifier
			.withVirtualTime(() -> this.pending.retryThenCheck(List.of(GARDEN), sending((change) -> Mono.never())))
			.expectSubscription()
			.expectNoEvent(RETRY_TIMEOUT.minusMillis(1))
			.thenAwait(Duration.ofMillis(1))
			.expectComplete()
			.verify(TIMEOUT);
	}

	@Test
	void aConfirmationWithinTheRetryTimeoutIsWaitedFor() {
		this.pending.keep(change("tx:1", DECOR));
		Function<CounterChange, Mono<Void>> late = sending((change) -> Mono.delay(RETRY_TIMEOUT.minusMillis(1)).then());
		StepVerifier.withVirtualTime(() -> this.pending.retryThenCheck(List.of(DECOR), late))
			.expectSubscription()
			.expectNoEvent(RETRY_TIMEOUT.minusMillis(2))
			.thenAwait(Duration.ofMillis(1))
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.pending.isEmpty()).isTrue();
	}

	@Test
	void requestsArrivingDuringARetryJoinItRatherThanSendingAgain() {
		this.pending.keep(change("tx:1", DECOR));
		this.pending.keep(change("tx:2", GARDEN));
		Sinks.Empty<Void> redisAnswers = Sinks.empty();
		Function<CounterChange, Mono<Void>> answeredLater = sending((change) -> redisAnswers.asMono());
		Mono<Void> first = this.pending.retryThenCheck(List.of(DECOR), answeredLater);
		Mono<Void> second = this.pending.retryThenCheck(List.of(GARDEN), answeredLater);
		Mono<Void> third = this.pending.retryThenCheck(List.of(DECOR, GARDEN), answeredLater);
		StepVerifier.create(Mono.when(first, second, third)).then(() -> {
			assertThat(sent("tx:1")).isEqualTo(1);
			assertThat(sent("tx:2")).isEqualTo(1);
			redisAnswers.tryEmitEmpty();
		}).expectComplete().verify(TIMEOUT);
		assertThat(this.pending.isEmpty()).isTrue();
	}

	@Test
	void aRequestAfterARetryEndedStartsAnotherRetry() {
		this.pending.keep(change("tx:1", DECOR));
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), unconfirmed()))
				.expectError(CacheUnavailableException.class)
				.verify(TIMEOUT);
		}
		assertThat(sent("tx:1")).isEqualTo(3);
		StepVerifier.create(this.pending.retryThenCheck(List.of(DECOR), confirming())).expectComplete().verify(TIMEOUT);
		assertThat(this.pending.isEmpty()).isTrue();
	}

}
