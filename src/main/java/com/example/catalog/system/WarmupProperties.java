package com.example.catalog.system;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How an instance warms up before it reports ready.
 *
 * @param duration how long it sends itself cache hits of {@code GET /catalog?limit=1}
 * after its port opened and before it reports ready ({@code 0s}, the default, turns it
 * off): a freshly started JVM runs the hit path interpreted, two to three times slower,
 * and slow enough at first that Redis commands time out and requests bypass the cache
 * @param missesPerSecond how many of its requests a second, meanwhile, are misses (a page
 * of a price window nobody asked for), so that the miss path (the database client, the
 * lease, the store) is compiled too; {@code 0} sends hits only. They count against the
 * local address's limit on loads, far below it by default.
 */
@ConfigurationProperties("catalog.warmup")
record WarmupProperties(@DefaultValue("0s") Duration duration, @DefaultValue("20") int missesPerSecond) {

	WarmupProperties {
		if (duration.isNegative()) {
			throw new IllegalArgumentException("catalog.warmup.duration must not be negative, was " + duration);
		}
		if (missesPerSecond < 0 || missesPerSecond > 1000) {
			throw new IllegalArgumentException(
					"catalog.warmup.misses-per-second must be from 0 to 1000, was " + missesPerSecond);
		}
	}

}
