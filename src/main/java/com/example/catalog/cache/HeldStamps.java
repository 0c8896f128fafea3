package com.example.catalog.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * notice or its lease has run out. Hearing a notice drops the held stamps of the counters
 * it names (every held stamp depends on everything's counter, so a change of everything
 * drops them all), and so does a write of this instance's own. A read whose reply comes
 * after a drop of one of its counters, a drop it was sent before, is used by its request
 * but not held, since it may be older than the write it crossed.
 * <p>
 * Drops are numbered: a stamp remembers the number current when its read was sent, and is
 * dropped by any later drop of one of its counters, or of all. A counter's last drop is
 * remembered for at least a lease, since no stamp read before it is held longer.
 */
final class HeldStamps {

	/**
	 * How many counters' drops are remembered before those older than a lease are
	 * forgotten.
	 */
	private static final int FORGET_ABOVE = 4096;

	/** Holds nothing: every request reads its generations. */
	static final HeldStamps NONE = new HeldStamps(Duration.ZERO, Ticker.systemTicker());

	private final Duration lease;

	/**
	 * How long a stamp is used here: the lease less a twentieth, at least a millisecond.
	 */
	private final long holdNanos;

	private final Ticker ticker;

	/** The number of the last drop. */
	private final AtomicLong drops = new AtomicLong();

	/** The number of the last drop of every held stamp. */
	private volatile long allDroppedAt;

	/**
	 * Each counter's last drop, for at least a lease after it; a plain map, not a cache,
	 * because drops come on event loops, where a cache's maintenance may not wait.
	 */
	private final Map<String, Drop> droppedAt = new ConcurrentHashMap<>();

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

	/** Every held stamp is dropped: a change may have been made unheard. */
	void drop() {
		this.allDroppedAt = this.drops.incrementAndGet();
	}

	/** The held stamps that depend on one of {@code counters} are dropped. */
	void drop(Collection<String> counters) {
		Drop drop = new Drop(this.drops.incrementAndGet(), this.ticker.read());
		for (String counter : counters) {
			this.droppedAt.put(counter, drop);
		}
		if (this.droppedAt.size() > FORGET_ABOVE) {
			long leaseNanos = this.lease.toNanos();
			this.droppedAt.values().removeIf((earlier) -> drop.at() - earlier.at() > leaseNanos);
		}
	}

	/** Taken just before a read that may be held is sent. */
	Reading reading() {
		// The time first: a drop numbered after the read is then remembered until at
		// least a lease after the read was sent, so as long as its stamp could be held.
		long sentAt = this.ticker.read();
		return new Reading(this.drops.get(), sentAt);
	}

	/**
	 * {@code stamp} of {@code counters}, read by {@code reading}, to be used again; null
	 * when one of them was dropped since the read was sent.
	 */
	Held hold(String stamp, List<String> counters, Reading reading) {
		return droppedSince(counters, reading.lastDrop()) ? null
				: new Held(stamp, counters, reading.lastDrop(), reading.sentAt() + this.holdNanos);
	}

	/** The stamp {@code held} holds, or null when it was dropped or ran out. */
	String current(Held held) {
		return (held != null && this.ticker.read() - held.until() < 0
				&& !droppedSince(held.counters(), held.readAfter())) ? held.stamp() : null;
	}

	private boolean droppedSince(List<String> counters, long lastDrop) {
		if (this.allDroppedAt > lastDrop) {
			return true;
		}
		for (String counter : counters) {
			Drop dropped = this.droppedAt.get(counter);
			if (dropped != null && dropped.number() > lastDrop) {
				return true;
			}
		}
		return false;
	}

	/**
	 * How long until {@code held} should be read again to stay held: when a fifth of its
	 * lease is left.
	 */
	Duration renewalIn(Held held) {
		return Duration.ofNanos(Math.max(0, held.until() - this.lease.toNanos() / 5 - this.ticker.read()));
	}

	/** A drop's number, and when it came (ticker time). */
	private record Drop(long number, long at) {
	}

	/** When a read was sent, and the number of the last drop before it. */
	record Reading(long lastDrop, long sentAt) {
	}

	/**
	 * A stamp of {@code counters} held until {@code until} (ticker time) unless one of
	 * them is dropped after the drop numbered {@code readAfter}.
	 */
	record Held(String stamp, List<String> counters, long readAfter, long until) {
	}

}
