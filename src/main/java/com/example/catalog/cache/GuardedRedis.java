package com.example.catalog.cache;

import java.time.Duration;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveRedisTemplate;

/**
 * The one way the cache talks to Redis: every command is bounded by a timeout, and reads
 * go through the circuit breaker, so that a failing Redis costs a request one short wait
 * at most. Every failure surfaces as {@link CacheUnavailableException}, which the callers
 * answer by falling through to the database, never by failing the request.
 */
final class GuardedRedis {

	private static final Log logger = LogFactory.getLog(GuardedRedis.class);

	private final ReactiveRedisTemplate<String, byte[]> template;

	private final CircuitBreaker breaker;

	private final Duration timeout;

	private final RedisConnectionGate gate;

	private final CacheMetrics metrics;

	GuardedRedis(ReactiveRedisTemplate<String, byte[]> template, CircuitBreaker breaker, Duration timeout,
			RedisConnectionGate gate, CacheMetrics metrics) {
		this.template = template;
		this.breaker = breaker;
		this.timeout = timeout;
		this.gate = gate;
		this.metrics = metrics;
	}

	/**
	 * One command with the read timeout, through the circuit breaker. Until the first
	 * connection to Redis has been made ({@link RedisConnectionGate}) it fails at once,
	 * without touching the template (which would open that connection on the caller's
	 * thread) and without counting as a failure of Redis.
	 */
	<T> Mono<T> call(String command, Function<ReactiveRedisTemplate<String, byte[]>, Mono<T>> operation) {
		Mono<T> guarded = Mono.defer(() -> operation.apply(this.template))
			.timeout(this.timeout)
			.transformDeferred(CircuitBreakerOperator.of(this.breaker))
			.onErrorMap(GuardedRedis::isRedisFailure, (ex) -> unavailable(command, ex));
		return Mono.defer(() -> this.gate.isOpen() ? guarded
				: Mono.error(new CacheUnavailableException("Not connected to Redis yet", null)));
	}

	/**
	 * One command with a timeout of its own and without the circuit breaker: for
	 * invalidations, which must reach Redis even while reads are being turned away, and
	 * which their callers retry within a deadline of their own.
	 */
	<T> Mono<T> callUnbroken(String command, Duration timeout,
			Function<ReactiveRedisTemplate<String, byte[]>, Mono<T>> operation) {
		return Mono.defer(() -> operation.apply(this.template))
			.timeout(timeout)
			.onErrorMap(GuardedRedis::isRedisFailure, (ex) -> unavailable(command, ex));
	}

	// An Error is a bug or a JVM problem, not Redis being unavailable: let it surface.
	private static boolean isRedisFailure(Throwable ex) {
		return !(ex instanceof CacheUnavailableException) && !(ex instanceof Error);
	}

	private CacheUnavailableException unavailable(String command, Throwable ex) {
		if (!(ex instanceof CallNotPermittedException)) {
			this.metrics.redisFailed();
			logger.debug("Redis " + command + " failed", ex);
		}
		return new CacheUnavailableException("Redis " + command + " failed", ex);
	}

}
