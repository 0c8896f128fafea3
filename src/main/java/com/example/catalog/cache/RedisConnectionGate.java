package com.example.catalog.cache;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;

/**
 * Opens the shared Lettuce connection off the event loop before the cache uses it.
 * <p>
 * Spring Data Redis creates its shared native connection synchronously on first use. Were
 * that first use a request, an unreachable Redis would block an event-loop thread for the
 * whole connect timeout. Once established, Lettuce reconnects the connection by itself,
 * so only the first connect needs this care.
 */
final class RedisConnectionGate implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisConnectionGate.class);

	private static final Duration FIRST_ATTEMPT_WAIT = Duration.ofSeconds(3);

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final Duration retryInterval;

	private volatile boolean open;

	private volatile Disposable connecting;

	RedisConnectionGate(ReactiveRedisConnectionFactory connectionFactory, Duration retryInterval) {
		this.connectionFactory = connectionFactory;
		this.retryInterval = retryInterval;
	}

	boolean isOpen() {
		return this.open;
	}

	/**
	 * Whether Redis answers a {@code PING} within {@code timeout}; {@code false} without
	 * asking before the first connection, which would otherwise be opened on the caller's
	 * thread.
	 */
	Mono<Boolean> answers(Duration timeout) {
		if (!this.open) {
			return Mono.just(false);
		}
		return Mono
			.usingWhen(Mono.fromSupplier(this.connectionFactory::getReactiveConnection), ReactiveRedisConnection::ping,
					ReactiveRedisConnection::closeLater)
			.timeout(timeout)
			.map("PONG"::equalsIgnoreCase)
			.onErrorReturn(false)
			.defaultIfEmpty(false);
	}

	@Override
	public void start() {
		CountDownLatch firstAttempt = new CountDownLatch(1);
		this.connecting = Mono
			.usingWhen(
					Mono.fromCallable(this.connectionFactory::getReactiveConnection)
						.subscribeOn(Schedulers.boundedElastic()),
					(connection) -> connection.ping(), ReactiveRedisConnection::closeLater)
			.retryWhen(Retry.fixedDelay(Long.MAX_VALUE, this.retryInterval).doBeforeRetry((signal) -> {
				firstAttempt.countDown();
				logger.debug("Redis not reachable yet: " + signal.failure().getMessage());
			}))
			.subscribe((ignored) -> {
			}, (ex) -> logger.error("Gave up connecting to Redis; responses will not be cached", ex), () -> {
				this.open = true;
				firstAttempt.countDown();
				logger.info("Connected to Redis; response caching is on");
			});
		// Start-up (not an event loop) waits a moment for the first attempt, so that the
		// first requests are cached when Redis is there; without it, the service starts.
		try {
			firstAttempt.await(FIRST_ATTEMPT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void stop() {
		Disposable task = this.connecting;
		if (task != null) {
			task.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		Disposable task = this.connecting;
		return task != null && !task.isDisposed();
	}

}
