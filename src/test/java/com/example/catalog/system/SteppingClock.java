package com.example.catalog.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system clock, ahead by what a test has skipped: time passes as it does for the rest
 * of an application under test, and a test can let a cooldown pass without sleeping.
 */
final class SteppingClock extends Clock {

	private final AtomicLong skippedMillis = new AtomicLong();

	void skip(Duration duration) {
		this.skippedMillis.addAndGet(duration.toMillis());
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
		return System.currentTimeMillis() + this.skippedMillis.get();
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(millis());
	}

}
