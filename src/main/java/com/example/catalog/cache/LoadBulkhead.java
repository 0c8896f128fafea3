package com.example.catalog.cache;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A ceiling on the loads this instance runs at once. Past it a load waits, without a
 * thread, for one to finish; past {@code maxWait} it fails with a 503 and
 * {@code Retry-After}, so that a flood of distinct misses queues here, briefly and
 * visibly, and not in the database pool, where writes and health checks would wait behind
 * it and every load would end on the pool's acquire timeout.
 * <p>
 * Hits never pass here, and concurrent misses of one key share one load before they do.
 */
final class LoadBulkhead {

	static final String RETRY_AFTER_SECONDS = "1";

	private final int maxConcurrent;

	private final Duration maxWait;

	private final CacheMetrics metrics;

	private final Deque<Waiter> waiting = new ArrayDeque<>();

	private int running;

	LoadBulkhead(int maxConcurrent, Duration maxWait, CacheMetrics metrics) {
		this.maxConcurrent = maxConcurrent;
		this.maxWait = maxWait;
		this.metrics = metrics;
	}

	/** Runs {@code load} once a place is free, and frees it when the load ends. */
	<T> Mono<T> run(Mono<T> load) {
		return acquire().flatMap((permit) -> load.doFinally((signal) -> permit.release()));
	}

	/** Loads running now; for tests and the gauge. */
	synchronized int running() {
		return this.running;
	}

	/** Loads waiting for a place now. */
	synchronized int waiting() {
		return this.waiting.size();
	}

	private Mono<Permit> acquire() {
		return Mono.<Permit>create((sink) -> {
			Waiter waiter;
			synchronized (this) {
				if (this.running < this.maxConcurrent) {
					this.running++;
					waiter = null;
				}
				else if (this.maxWait.isZero()) {
					waiter = Waiter.NONE;
				}
				else {
					waiter = new Waiter(sink);
					this.waiting.addLast(waiter);
				}
			}
			if (waiter == null) {
				sink.success(new Permit());
			}
			else if (waiter == Waiter.NONE) {
				refuse(sink);
			}
			else {
				Disposable giveUp = Schedulers.parallel().schedule(() -> {
					if (withdraw(waiter)) {
						refuse(sink);
					}
				}, this.maxWait.toNanos(), TimeUnit.NANOSECONDS);
				sink.onCancel(() -> {
					giveUp.dispose();
					withdraw(waiter);
				});
			}
		})
			// A place handed to a waiter that has just given up is freed again.
			.doOnDiscard(Permit.class, Permit::release);
	}

	private void refuse(MonoSink<Permit> sink) {
		this.metrics.loadRejected();
		sink.error(saturated());
	}

	/** Takes {@code waiter} out of the queue unless it has been given a place already. */
	private boolean withdraw(Waiter waiter) {
		if (!waiter.settled.compareAndSet(false, true)) {
			return false;
		}
		synchronized (this) {
			this.waiting.remove(waiter);
		}
		return true;
	}

	/** Hands the place of a finished load to the oldest waiter still waiting, if any. */
	private void release() {
		while (true) {
			Waiter next;
			synchronized (this) {
				next = this.waiting.pollFirst();
				if (next == null) {
					this.running--;
					return;
				}
			}
			if (next.settled.compareAndSet(false, true)) {
				next.sink.success(new Permit());
				return;
			}
		}
	}

	private static ErrorResponseException saturated() {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"Too many pages are being loaded from the database at once; try again shortly");
		problem.setTitle("Service unavailable");
		ErrorResponseException exception = new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, problem, null);
		exception.getHeaders().set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
		return exception;
	}

	/** A load waiting for a place; settled once it has one or has given up. */
	private static final class Waiter {

		/** Not a waiter: a load refused at once because no waiting is allowed. */
		static final Waiter NONE = new Waiter(null);

		private final MonoSink<Permit> sink;

		private final AtomicBoolean settled = new AtomicBoolean();

		Waiter(MonoSink<Permit> sink) {
			this.sink = sink;
		}

	}

	/** A place taken by one load, freed once. */
	private final class Permit {

		private final AtomicBoolean released = new AtomicBoolean();

		void release() {
			if (this.released.compareAndSet(false, true)) {
				LoadBulkhead.this.release();
			}
		}

	}

}
