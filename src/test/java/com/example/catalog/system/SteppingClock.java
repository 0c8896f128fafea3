package com.example.catalog.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system clock, ahead by what a test has skipped: time passes as it does for the rest
 * of an application under test, and a test can let a cooldown pass without sleeping. A
 * test that asserts something happens within a window of time freezes it meanwhile, so
 * that a slow machine cannot let the window pass.
 */
final class SteppingClock extends Clock {

	private final AtomicLong skippedMillis = new AtomicLong();

	/** The system time when the clock was frozen; 0 while it runs. */
	private volatile long frozenAt;

	void skip(Duration duration) {
		this.skippedMillis.addAndGet(duration.toMillis());
	}

	/** Stops the system time's part of this clock; only skips move it. */
	void freeze() {
		this.frozenAt = System.currentTimeMillis();
	}

	/** Lets the system time's part run again (this clock jumps to it, never back). */
	void thaw() {
		this.frozenAt = 0;
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException();
	}

	@Override
	public long millis() {
		long frozen = this.frozenAt;
		return ((frozen != 0) ? frozen : System.currentTimeMillis()) + this.skippedMillis.get();
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(millis());
	}

}
