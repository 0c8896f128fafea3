package com.example.catalog.cache;

import java.time.Duration;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the response cache.
 *
 * @param enabled whether responses are cached at all; {@code false} serves every request
 * from the database
 * @param ttl how long a stored response is served as fresh
 * @param ttlJitter fraction of the TTL added at random so that entries stored together do
 * not expire together
 * @param maxEntryBytes responses larger than this are served but not stored
 * @param redisTimeout how long any single Redis command may take before the cache treats
 * Redis as unavailable for that request
 * @param maxFlights bound of the per-instance map of concurrent loads
 * @param keyPrefix prefix of every Redis key the cache writes
 * @param loadTimeout how long a load from the database may take before the request fails
 * (and the waiting requests with it) instead of holding its single-flight slot
 * @param nearCacheMaxBytes how much memory this instance spends keeping entries it has
 * seen, compressed and as JSON, to answer hits without a Redis transfer
 * @param staleIfError how long past its TTL a copy is kept, to be served (marked stale)
 * when the database fails
 * @param refreshAhead a hit this close to the end of its entry's TTL refreshes the entry
 * in the background (one request per key across instances), so expiry causes no miss
 * @param httpMaxAge the {@code max-age} clients may reuse a public response without
 * revalidating; kept at zero by default because a client-side copy cannot honour the
 * read-after-write promise
 * @param invalidationTimeout how long a write waits for Redis to confirm its invalidation
 * (retrying meanwhile) before it answers that the change is saved but not yet visible
 * everywhere; within the write's own time budget
 * @param notFoundTtl how long a loader's 404 is kept and answered again without loading
 * ({@code 0s} turns it off)
 * @param maxConcurrentLoads how many loads from the database this instance runs at once
 * (distinct keys: concurrent misses of one key share a load); kept below the database
 * pool's size so that writes and health checks always find a connection
 * @param loadQueueTimeout how long a load waits for a place under that ceiling before its
 * request is answered 503 with {@code Retry-After}
 * @param rewarmEntries after a change, how many of the entries it made a miss and that
 * this instance's clients read since their last load are loaded again at once, hottest
 * first, so that readers meet fresh entries rather than misses; off ({@code 0}) by
 * default, because a client then no longer sees its own change's page miss (it sees a hit
 * with the change)
 * @param rewarmConcurrency how many of those loads run at once on an instance, whatever
 * the rate of changes; they count against {@code maxConcurrentLoads} like any load
 * @param stampLease how long an instance uses the generations it read (for responses that
 * are not per user) without reading them again, while it hears invalidation notices; a
 * write then waits, before it answers, until every instance holding them has dropped them
 * or its lease has run out ({@code 0s} turns it off: every request reads its generations)
 */
@Validated
@ConfigurationProperties("catalog.cache")
public record CacheProperties(@DefaultValue("true") boolean enabled, @DefaultValue("5m") @NotNull Duration ttl,
		@DefaultValue("0.1") @DecimalMin("0.0") @DecimalMax("1.0") double ttlJitter,
		@DefaultValue("1MB") @NotNull DataSize maxEntryBytes, @DefaultValue("100ms") @NotNull Duration redisTimeout,
		@DefaultValue("10000") @Min(1) int maxFlights,
		@DefaultValue("catalog") @NotBlank @Pattern(regexp = "[A-Za-z0-9:_.-]+") String keyPrefix,
		@DefaultValue("2s") @NotNull Duration loadTimeout, @DefaultValue("64MB") @NotNull DataSize nearCacheMaxBytes,
		@DefaultValue("1h") @NotNull Duration staleIfError, @DefaultValue("30s") @NotNull Duration refreshAhead,
		@DefaultValue("0s") @NotNull Duration httpMaxAge, @DefaultValue("1s") @NotNull Duration invalidationTimeout,
		@DefaultValue("10s") @NotNull Duration notFoundTtl, @DefaultValue("16") @Min(1) int maxConcurrentLoads,
		@DefaultValue("500ms") @NotNull Duration loadQueueTimeout, @DefaultValue("0") @Min(0) int rewarmEntries,
		@DefaultValue("8") @Min(1) int rewarmConcurrency, @DefaultValue("1s") @NotNull Duration stampLease) {

	public CacheProperties {
		if (ttl.isNegative() || ttl.isZero()) {
			throw new IllegalArgumentException("catalog.cache.ttl must be positive, was " + ttl);
		}
		if (refreshAhead.isNegative() || refreshAhead.compareTo(ttl) >= 0) {
			throw new IllegalArgumentException("catalog.cache.refresh-ahead (" + refreshAhead
					+ ") must be shorter than catalog.cache.ttl (" + ttl + ")");
		}
		if (staleIfError.isNegative()) {
			throw new IllegalArgumentException("catalog.cache.stale-if-error must not be negative");
		}
		if (invalidationTimeout.isNegative() || invalidationTimeout.isZero()
				|| invalidationTimeout.compareTo(Duration.ofMillis(1500)) > 0) {
			throw new IllegalArgumentException("catalog.cache.invalidation-timeout must be positive and at most 1.5s"
					+ " (a write answers within 2s), was " + invalidationTimeout);
		}
		if (stampLease.isNegative() || invalidationTimeout.plus(stampLease).compareTo(Duration.ofSeconds(2)) > 0) {
			throw new IllegalArgumentException("catalog.cache.stamp-lease must not be negative, and with"
					+ " catalog.cache.invalidation-timeout at most 2s (a write answers within 2s), was " + stampLease);
		}
		if (loadQueueTimeout.isNegative()) {
			throw new IllegalArgumentException("catalog.cache.load-queue-timeout must not be negative");
		}
		if (notFoundTtl.isNegative()) {
			throw new IllegalArgumentException("catalog.cache.not-found-ttl must not be negative (0s turns it off)");
		}
		if (httpMaxAge.compareTo(ttl) > 0) {
			throw new IllegalArgumentException(
					"catalog.cache.http-max-age (" + httpMaxAge + ") must not exceed catalog.cache.ttl (" + ttl + ")");
		}
	}

}
