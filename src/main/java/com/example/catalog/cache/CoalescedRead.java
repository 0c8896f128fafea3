package com.example.catalog.cache;

import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Lets concurrent callers share one read without ever being answered by a read that was
 * sent before they asked. A caller that finds no read in flight starts one; a caller that
 * finds one in flight waits for the next, which starts when the current one ends and
 * answers everybody who arrived meanwhile. So under load one read per round trip serves
 * any number of callers, and each caller still sees a value at least as new as its own
 * arrival (what the read-after-write promise needs of the generation counters).
 */
final class CoalescedRead<T> {

	private final Supplier<Mono<T>> read;

	private boolean inFlight;

	private Sinks.One<T> next;

	CoalescedRead(Supplier<Mono<T>> read) {
		this.read = read;
	}

	/** The read for one caller; it joins or starts a read when subscribed, not before. */
	Mono<T> get() {
		return Mono.defer(this::join);
	}

	private Mono<T> join() {
		Sinks.One<T> waitFor;
		synchronized (this) {
			if (this.inFlight) {
				if (this.next == null) {
					this.next = Sinks.one();
				}
				waitFor = this.next;
			}
			else {
				this.inFlight = true;
				waitFor = null;
			}
		}
		if (waitFor != null) {
			return waitFor.asMono();
		}
		return this.read.get().doOnError(this::failWaiting).doFinally((signal) -> startNext());
	}

	/**
	 * A failed read fails the callers waiting for the next one too: Redis is failing, and
	 * queueing another read behind each timeout would make every one of them wait twice.
	 */
	private void failWaiting(Throwable failure) {
		Sinks.One<T> waiting;
		synchronized (this) {
			waiting = this.next;
			this.next = null;
		}
		if (waiting != null) {
			waiting.tryEmitError(failure);
		}
	}

	/** Sends the read the waiting callers need, if any, and hands them its outcome. */
	private void startNext() {
		Sinks.One<T> waiting;
		synchronized (this) {
			waiting = this.next;
			this.next = null;
			this.inFlight = waiting != null;
		}
		if (waiting != null) {
			this.read.get()
				.doOnError(this::failWaiting)
				.doFinally((signal) -> startNext())
				.subscribe(waiting::tryEmitValue, waiting::tryEmitError, waiting::tryEmitEmpty);
		}
	}

}
