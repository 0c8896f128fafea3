package com.example.catalog.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

/**
 * The entries in Redis, read and written with their stamp, and the copies of them this
 * instance keeps in its {@link NearCache}: whatever is read from or stored in Redis is
 * held near too, so that the next request of this instance needs no round trip for it.
 */
final class StoredEntries {

	private static final Log logger = LogFactory.getLog(StoredEntries.class);

	private final GuardedRedis redis;

	private final NearCache nearCache;

	private final CacheProperties properties;

	private final Clock clock;

	StoredEntries(GuardedRedis redis, NearCache nearCache, CacheProperties properties, Clock clock) {
		this.redis = redis;
		this.nearCache = nearCache;
		this.properties = properties;
		this.clock = clock;
	}

	/** The current entry for this stamp from Redis. */
	Mono<NearEntry> fetchCurrent(String valueKey, String stamp) {
		return fetchStamped(valueKey, stamp).filter((near) -> near.freshAt(this.clock.millis()));
	}

	/** The entry for this stamp from Redis, fresh or within its stale-if-error time. */
	Mono<NearEntry> fetchStamped(String valueKey, String stamp) {
		return read(valueKey).flatMap((stored) -> stamped(stored, valueKey, stamp));
	}

	/** What Redis holds under {@code valueKey}, under whatever stamp. */
	Mono<Stored> read(String valueKey) {
		return this.redis.call("GET", (redis) -> redis.opsForValue().get(valueKey))
			.map(Stored::new)
			.defaultIfEmpty(Stored.NOTHING);
	}

	/**
	 * The entry {@code stored} holds for this stamp (fresh or within its stale-if-error
	 * time), if it holds one.
	 */
	Mono<NearEntry> stamped(Stored stored, String valueKey, String stamp) {
		return Mono.justOrEmpty(stored.bytes())
			.mapNotNull(StoredEntries::decodeOrNull)
			.filter((entry) -> entry.stamp().equals(stamp))
			.mapNotNull(StoredEntries::nearOrNull)
			.doOnNext((near) -> this.nearCache.put(valueKey, near));
	}

	/**
	 * Stores a freshly loaded body under this stamp; the lookup says whether it was
	 * stored (a body over the entry size limit, or Redis failing, leaves it unstored but
	 * still answered).
	 */
	Mono<Lookup> store(String valueKey, String stamp, byte[] json) {
		Duration ttl = ttlWithJitter();
		// Redis keeps the copy past its TTL, to be served (marked stale) if the database
		// fails; the entry's own freshness decides what is a hit.
		return store(valueKey, stamp, json, false, ttl, ttl.plus(this.properties.staleIfError()));
	}

	/**
	 * Stores the problem of a loader's 404 under this stamp for
	 * {@code catalog.cache.not-found-ttl}, so that asking again for what does not exist
	 * costs no load until then (or until a write of its scopes).
	 */
	Mono<Lookup> storeNotFound(String valueKey, String stamp, byte[] problemJson) {
		Duration ttl = this.properties.notFoundTtl();
		return store(valueKey, stamp, problemJson, true, ttl, ttl);
	}

	private Mono<Lookup> store(String valueKey, String stamp, byte[] json, boolean notFound, Duration ttl,
			Duration kept) {
		long now = this.clock.millis();
		CacheEntry entry = CacheEntry.compressed(stamp, now, now + ttl.toMillis(), json, notFound);
		NearEntry near = NearEntry.of(entry, json);
		if (json.length > this.properties.maxEntryBytes().toBytes() || kept.isZero()) {
			return Mono.just(new Lookup(near, CacheOutcome.MISS_NOT_STORED));
		}
		return this.redis.call("SET", (redis) -> redis.opsForValue().set(valueKey, entry.encode(), kept))
			.map((stored) -> {
				if (stored) {
					this.nearCache.put(valueKey, near);
				}
				return new Lookup(near, stored ? CacheOutcome.MISS_STORED : CacheOutcome.MISS_NOT_STORED);
			})
			.onErrorReturn(CacheUnavailableException.class, new Lookup(near, CacheOutcome.MISS_NOT_STORED));
	}

	/**
	 * The bytes Redis held under a value key when it was read ({@code null} for none),
	 * not yet decoded or compared with a stamp.
	 */
	record Stored(byte[] bytes) {

		static final Stored NOTHING = new Stored(null);

	}

	private Duration ttlWithJitter() {
		long ttl = this.properties.ttl().toMillis();
		long jitter = (long) (ttl * this.properties.ttlJitter());
		return Duration.ofMillis(ttl + ((jitter > 0) ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0));
	}

	private static NearEntry nearOrNull(CacheEntry entry) {
		try {
			return NearEntry.of(entry);
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Ignoring a cache entry whose body is not gzip: " + ex.getMessage());
			return null;
		}
	}

	private static CacheEntry decodeOrNull(byte[] bytes) {
		try {
			return CacheEntry.decode(bytes);
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Ignoring an unreadable cache entry: " + ex.getMessage());
			return null;
		}
	}

}
