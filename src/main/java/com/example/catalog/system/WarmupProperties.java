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
 */
@ConfigurationProperties("catalog.warmup")
record WarmupProperties(@DefaultValue("0s") Duration duration) {

	WarmupProperties {
		if (duration.isNegative()) {
			throw new IllegalArgumentException("catalog.warmup.duration must not be negative, was " + duration);
		}
	}

}
