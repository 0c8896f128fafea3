package com.example.catalog.cache;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The breaker in front of Redis records the outcome of every command on the event loop
 * that completed it, so two event loops record at once all the time. Recording must never
 * wait for a lock there: under BlockHound such a wait fails the request (a 500, or a
 * request that never answers when the failure is dropped), and without it an event loop
 * stalls behind another. Its openings are logged, since they are over before a scrape
 * sees them.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisCircuitBreakerTest {

	private static final int RECORDS_PER_LOOP = 200_000;

	private final CircuitBreaker breaker = new CacheConfiguration().redisCircuitBreaker();

	@Test
	void openingAndClosingAreLogged(CapturedOutput output) {
		for (int i = 0; i < 5; i++) {
			this.breaker.onError(100, TimeUnit.MILLISECONDS, new CacheUnavailableException("timeout", null));
		}
		assertThat(this.breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
		assertThat(output).contains("Redis circuit breaker opened: 5 of the last 5 commands failed");
		this.breaker.transitionToHalfOpenState();
		this.breaker.onSuccess(1, TimeUnit.MILLISECONDS);
		assertThat(output).contains("Redis circuit breaker OPEN -> HALF_OPEN")
			.contains("Redis circuit breaker HALF_OPEN -> CLOSED");
	}

	@Test
	void outcomesRecordedOnTwoEventLoopsAtOnceNeverWaitForALock() {
		Mono<Integer> recordOnOneLoop = Mono.fromCallable(() -> {
			for (int i = 0; i < RECORDS_PER_LOOP; i++) {
				this.breaker.onSuccess(1, TimeUnit.MICROSECONDS);
			}
			return RECORDS_PER_LOOP;
		}).subscribeOn(Schedulers.parallel());
		StepVerifier.create(Flux.merge(recordOnOneLoop, recordOnOneLoop).reduce(Integer::sum))
			.expectNext(2 * RECORDS_PER_LOOP)
			.expectComplete()
			.verify(Duration.ofSeconds(30));
		assertThat(this.breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(this.breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(10);
	}

}
