package com.example.catalog.cache;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import reactor.core.publisher.Mono;

/**
 * The counters of one set of scopes as this instance knows them: their keys, the read
 * that coalesces concurrent reads of them, and what earlier reads left (whether they
 * exist in Redis, the stamp held under a lease).
 */
final class ScopeCounters {

	private final List<String> keys;

	private final CoalescedRead<String> read;

	/** Whether they all live in the shared slot, where their stamp may be held. */
	private final boolean holdable;

	/** Whether a read of this instance found or created them all in Redis. */
	private volatile boolean seenInRedis;

	private volatile HeldStamps.Held held;

	private final AtomicBoolean renewing = new AtomicBoolean();

	private final AtomicBoolean usedSinceRead = new AtomicBoolean();

	ScopeCounters(List<String> keys, boolean holdable, Function<ScopeCounters, Mono<String>> read) {
		this.keys = keys;
		this.holdable = holdable;
		this.read = new CoalescedRead<>(() -> read.apply(this));
	}

	List<String> keys() {
		return this.keys;
	}

	/** Their stamp, read by a read sent after the caller asked. */
	Mono<String> read() {
		return this.read.get();
	}

	boolean holdable() {
		return this.holdable;
	}

	boolean seenInRedis() {
		return this.seenInRedis;
	}

	void seenInRedis(boolean seen) {
		this.seenInRedis = seen;
	}

	HeldStamps.Held held() {
		return this.held;
	}

	void held(HeldStamps.Held held) {
		this.held = held;
	}

	/** Whether this caller is the one to renew their lease (until {@link #renewed}). */
	boolean startRenewal() {
		return this.renewing.compareAndSet(false, true);
	}

	void renewed() {
		this.renewing.set(false);
	}

	/** A request took the held stamp. */
	void used() {
		if (!this.usedSinceRead.get()) {
			this.usedSinceRead.set(true);
		}
	}

	/** Whether a request took the held stamp since the last call. */
	boolean takeUsed() {
		return this.usedSinceRead.getAndSet(false);
	}

}
