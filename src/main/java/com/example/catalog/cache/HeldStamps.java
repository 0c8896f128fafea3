package com.example.catalog.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Ticker;

/**
 * Stamps this instance may use again without asking Redis, each for a short lease, and
 * what takes them away.
 * <p>
 * A stamp read under a lease (the read registers this instance as a holder in Redis, in
 * the same script) is good here until {@code lease} after the read was sent, less a
 * margin for the clocks' rates: Redis keeps the registration at least that long, and a
 * write waits, before it answers, until every registered holder has acknowledged its
 * notice or its lease has run out. Hearing a notice drops every held stamp (one epoch for
 * all: writes are rare beside reads), and so does a write of this instance's own. A read
 * whose reply comes after a drop it was sent before is used by its request but not held,
 * since it may be older than the write it crossed.
 */
final class HeldStamps {

	/** Holds nothing: every request reads its generations. */
	static final HeldStamps NONE = new HeldStamps(Duration.ZERO, Ticker.systemTicker());

	private final Duration lease;

	/**
	 * How long a stamp is used here: the lease less a twentieth, at least a millisecond.
	 */
	private final long holdNanos;

	private final Ticker ticker;

	private final AtomicLong epoch = new AtomicLong();

	private volatile boolean listening;

	HeldStamps(Duration lease, Ticker ticker) {
		this.lease = lease;
		long leaseNanos = lease.toNanos();
		this.holdNanos = Math.max(0, leaseNanos - Math.max(Duration.ofMillis(1).toNanos(), leaseNanos / 20));
		this.ticker = ticker;
	}

	/** Whether writers must notify holders and wait for them: holding is configured. */
	boolean configured() {
		return this.holdNanos > 0;
	}

	/**
	 * Whether reads now may be held: configured, and this instance hears notices (without
	 * them every write would wait out its leases).
	 */
	boolean holding() {
		return this.holdNanos > 0 && this.listening;
	}

	Duration lease() {
		return this.lease;
	}

	/** Called when this instance starts or stops hearing notices. */
	void listening(boolean listening) {
		this.listening = listening;
		if (!listening) {
			drop();
		}
	}

	/** Every held stamp is dropped: a change was made, or may have been. */
	void drop() {
		this.epoch.incrementAndGet();
	}

	/** Taken just before a read that may be held is sent. */
	Reading reading() {
		return new Reading(this.epoch.get(), this.ticker.read());
	}

	/**
	 * {@code stamp}, read by {@code reading}, to be used again; null when a drop came
	 * since the read was sent.
	 */
	Held hold(String stamp, Reading reading) {
		return (reading.epoch() == this.epoch.get())
				? new Held(stamp, reading.epoch(), reading.sentAt() + this.holdNanos) : null;
	}

	/** The stamp {@code held} holds, or null when it was dropped or ran out. */
	String current(Held held) {
		return (held != null && held.epoch() == this.epoch.get() && this.ticker.read() - held.until() < 0)
				? held.stamp() : null;
	}

	/**
	 * How long until {@code held} should be read again to stay held: when a fifth of its
	 * lease is left.
	 */
	Duration renewalIn(Held held) {
		return Duration.ofNanos(Math.max(0, held.until() - this.lease.toNanos() / 5 - this.ticker.read()));
	}

	/** When and in which epoch a read was sent. */
	record Reading(long epoch, long sentAt) {
	}

	/** A stamp held until {@code until} (ticker time) unless its epoch ends before. */
	record Held(String stamp, long epoch, long until) {
	}

}
