package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.ErrorResponse;

/**
 * The flow of a cacheable request, and of an invalidation; see the package documentation
 * for a walk through it. The mechanisms it combines live in classes of their own:
 * {@link Generations} (stamps and invalidation), {@link NearCache} (this instance's
 * copies), {@link LoadLease} (one load across instances), {@link SingleFlight} (one load
 * within this instance) and {@link GuardedRedis} (timeouts and the breaker).
 */
public class ResponseCache {

	/** The scope every entry depends on: invalidating it makes everything a miss. */
	public static final String EVERYTHING = Generations.EVERYTHING;

	private static final Log logger = LogFactory.getLog(ResponseCache.class);

	private static final Duration LEASE_POLL_INTERVAL = Duration.ofMillis(15);

	private final GuardedRedis redis;

	private final Generations generations;

	private final LoadLease lease;

	private final NearCache nearCache;

	private final CacheProperties properties;

	private final JsonMapper jsonMapper;

	private final CacheMetrics metrics;

	private final Clock clock;

	private final SingleFlight<String, Lookup> flights;

	private final HttpCaching httpCaching;

	/** Loads shared while Redis is unavailable, by value key; bounded. */
	private final Cache<String, CoalescedRead<byte[]>> bypassLoads = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(1))
		.build();

	/** Entries being refreshed ahead of their expiry by this instance. */
	private final Set<String> refreshing = ConcurrentHashMap.newKeySet();

	ResponseCache(GuardedRedis redis, Generations generations, CacheProperties properties, JsonMapper jsonMapper,
			CacheMetrics metrics, Clock clock) {
		this.redis = redis;
		this.generations = generations;
		this.properties = properties;
		this.jsonMapper = jsonMapper;
		this.metrics = metrics;
		this.clock = clock;
		this.lease = new LoadLease(redis, properties.loadTimeout().plus(properties.redisTimeout()).plusSeconds(1));
		this.nearCache = new NearCache(properties.nearCacheMaxBytes().toBytes(),
				properties.ttl().multipliedBy(2).plus(properties.staleIfError()));
		this.flights = new SingleFlight<>(properties.maxFlights());
		this.httpCaching = new HttpCaching(properties.httpMaxAge());
	}

	/**
	 * {@link #get} rendered as an HTTP response: 200 with the body, or 304 when the
	 * request's {@code If-None-Match} names the current ETag.
	 */
	public Mono<ResponseEntity<ByteBuffer>> respond(CacheKey key, ServerHttpRequest request, Mono<?> loader) {
		return get(key, StampedRequest.readOf(request), loader)
			.map((response) -> this.httpCaching.render(response, request.getHeaders()));
	}

	/**
	 * Serves the response identified by {@code key}: from the cache when a current entry
	 * is there, otherwise from {@code loader}, whose value is serialised to JSON once,
	 * stored and answered with the same bytes. Concurrent misses for one key share one
	 * load. Errors of the loader reach the caller and are never cached.
	 */
	Mono<CachedResponse> get(CacheKey key, Mono<?> loader) {
		return get(key, null, loader);
	}

	private Mono<CachedResponse> get(CacheKey key, StampRead earlierRead, Mono<?> loader) {
		if (!this.properties.enabled()) {
			return loadUncached(key, loader, CacheOutcome.BYPASS_DISABLED);
		}
		Mono<String> stamp = (earlierRead != null && earlierRead.key().equals(key)) ? earlierRead.value()
				: readStamp(key);
		return stamp.flatMap((current) -> {
			String entryKey = NearCache.entryKey(valueKey(key), current);
			NearEntry near = this.nearCache.heldFresh(entryKey, this.clock.millis());
			if (near != null) {
				refreshIfExpiringSoon(key, current, near, loader);
				return Mono.just(served(key, new Lookup(near, CacheOutcome.HIT), true));
			}
			SingleFlight.Flight<Lookup> flight = this.flights.join(entryKey, () -> lookupOrLoad(key, current, loader));
			return flight.result().map((lookup) -> {
				if (lookup.outcome() == CacheOutcome.HIT) {
					refreshIfExpiringSoon(key, current, lookup.near(), loader);
				}
				return served(key, lookup, flight.leader());
			});
		}).onErrorResume(CacheUnavailableException.class, (ex) -> loadBypassing(key, loader));
	}

	/**
	 * The response for {@code key} when this instance holds its current entry and needs
	 * no loader for it (it is not due for a refresh), counted as a hit; otherwise the
	 * generations it read, for {@link #respond} to reuse, so that the request reads them
	 * once.
	 */
	Mono<NearLookup> nearHit(CacheKey key) {
		if (!this.properties.enabled()) {
			return Mono.just(new NearLookup.Miss(null));
		}
		return readStamp(key).<NearLookup>map((stamp) -> {
			long now = this.clock.millis();
			NearEntry near = this.nearCache.heldFresh(NearCache.entryKey(valueKey(key), stamp), now);
			if (near == null || dueForRefresh(near, now)) {
				return new NearLookup.Miss(new StampRead.Read(key, stamp));
			}
			return new NearLookup.Hit(served(key, new Lookup(near, CacheOutcome.HIT), true));
		})
			.onErrorResume(CacheUnavailableException.class,
					(ex) -> Mono.just(new NearLookup.Miss(new StampRead.Failed(key, ex))));
	}

	/**
	 * Makes every entry that depends on one of {@code scopes} a miss, on every instance,
	 * once per change: a retry, or the change feed reporting the same change again, is
	 * confirmed without invalidating again. Completes once Redis has confirmed it; fails
	 * with {@link InvalidationUnconfirmedException} when Redis did not within
	 * {@code catalog.cache.invalidation-timeout}, after which this instance bypasses the
	 * cache for those scopes until it has.
	 * @param scopes the scopes the change touched, as the features name them
	 * @param changeId what identifies the change wherever it is reported (the database
	 * transaction, say)
	 */
	public Mono<Void> invalidate(Collection<String> scopes, String changeId) {
		if (!this.properties.enabled()) {
			return Mono.empty();
		}
		return this.generations.bump(scopes, changeId);
	}

	/** Makes every cached response a miss, on every instance. */
	public Mono<Void> invalidateEverything() {
		return invalidate(List.of(EVERYTHING), UUID.randomUUID().toString());
	}

	HttpCaching httpCaching() {
		return this.httpCaching;
	}

	int flightsInProgress() {
		return this.flights.size();
	}

	/**
	 * Loads for a request that cannot use Redis. Concurrent requests for one key share
	 * loads the way generation reads are shared: a request never takes the result of a
	 * load that started before it arrived (so it still sees every write acknowledged
	 * before it), but a burst costs two loads, not one per request.
	 */
	private Mono<CachedResponse> loadBypassing(CacheKey key, Mono<?> loader) {
		return this.bypassLoads.get(valueKey(key), (ignored) -> new CoalescedRead<>(() -> load(loader)))
			.get()
			.map((json) -> uncached(key, json, CacheOutcome.BYPASS_UNAVAILABLE));
	}

	private CachedResponse served(CacheKey key, Lookup lookup, boolean leader) {
		CacheOutcome outcome = (leader || lookup.outcome() == CacheOutcome.HIT
				|| lookup.outcome() == CacheOutcome.STALE) ? lookup.outcome() : CacheOutcome.MISS_COLLAPSED;
		this.metrics.served(outcome);
		NearEntry near = lookup.near();
		return new CachedResponse(near.plain(), near.gzipOrNull(), near.entry().etag(), outcome, key.scope());
	}

	private Mono<CachedResponse> loadUncached(CacheKey key, Mono<?> loader, CacheOutcome outcome) {
		return load(loader).map((json) -> uncached(key, json, outcome));
	}

	private CachedResponse uncached(CacheKey key, byte[] json, CacheOutcome outcome) {
		this.metrics.served(outcome);
		return new CachedResponse(ByteBuffer.wrap(json), CacheEntry.etagOf(json), outcome, key.scope());
	}

	private Mono<byte[]> load(Mono<?> loader) {
		return Mono.defer(() -> {
			this.metrics.loaded();
			return loader;
		}).timeout(this.properties.loadTimeout()).map(this.jsonMapper::writeValueAsBytes);
	}

	/**
	 * Runs once per key and stamp in this instance (the single flight): the entry from
	 * Redis, or else a load, which across instances is guarded by the load lease so that
	 * the other instances wait for the holder's value instead of loading too.
	 */
	private Mono<Lookup> lookupOrLoad(CacheKey key, String stamp, Mono<?> loader) {
		String valueKey = valueKey(key);
		long deadline = this.clock.millis() + this.lease.ttl().toMillis();
		return fetchStamped(valueKey, stamp).map(Optional::of).defaultIfEmpty(Optional.empty()).flatMap((found) -> {
			if (found.isPresent() && found.get().freshAt(this.clock.millis())) {
				return Mono.just(new Lookup(found.get(), CacheOutcome.HIT));
			}
			Mono<Lookup> loading = loadUnderLease(valueKey, stamp, loader, deadline);
			return found.isEmpty() ? loading : loading.onErrorResume(ResponseCache::mayServeStaleOn,
					(ex) -> Mono.just(new Lookup(found.get(), CacheOutcome.STALE)));
		})
			.onErrorResume(CacheUnavailableException.class, (ex) -> load(loader)
				.map((json) -> new Lookup(NearEntry.uncompressed(stamp, json), CacheOutcome.BYPASS_UNAVAILABLE)));
	}

	/**
	 * A failed load may be answered with the stale copy when the failure is the server's
	 * (the database is down, say), not when the request itself was wrong.
	 */
	private static boolean mayServeStaleOn(Throwable failure) {
		return !(failure instanceof CacheUnavailableException)
				&& !(failure instanceof ErrorResponse response && response.getStatusCode().is4xxClientError());
	}

	/** The current entry for this stamp from Redis, kept in the near cache too. */
	private Mono<NearEntry> fetchCurrent(String valueKey, String stamp) {
		return fetchStamped(valueKey, stamp).filter((near) -> near.freshAt(this.clock.millis()));
	}

	/**
	 * The entry for this stamp from Redis, fresh or within its stale-if-error time, kept
	 * in the near cache too.
	 */
	private Mono<NearEntry> fetchStamped(String valueKey, String stamp) {
		return this.redis.call("GET", (redis) -> redis.opsForValue().get(valueKey))
			.mapNotNull(ResponseCache::decodeOrNull)
			.filter((entry) -> entry.stamp().equals(stamp))
			.mapNotNull(ResponseCache::nearOrNull)
			.doOnNext((near) -> this.nearCache.put(NearCache.entryKey(valueKey, stamp), near));
	}

	/**
	 * Starts a background refresh of an entry near the end of its TTL, at most one per
	 * entry in this instance and, through the lease, one across instances. Requests keep
	 * getting the current copy meanwhile; a failed refresh only means the entry expires,
	 * so its failure is logged and goes no further.
	 */
	private void refreshIfExpiringSoon(CacheKey key, String stamp, NearEntry near, Mono<?> loader) {
		if (!dueForRefresh(near, this.clock.millis())) {
			return;
		}
		String valueKey = valueKey(key);
		String entryKey = NearCache.entryKey(valueKey, stamp);
		if (!this.refreshing.add(entryKey)) {
			return;
		}
		this.lease.underLease(valueKey, stamp, Mono.defer(() -> loadAndStore(valueKey, stamp, loader)), Mono.empty())
			.doFinally((signal) -> this.refreshing.remove(entryKey))
			.subscribe((lookup) -> logger.debug("Refreshed " + key + " ahead of its expiry"),
					(ex) -> logger.debug("Refresh of " + key + " ahead of its expiry failed", ex));
	}

	private boolean dueForRefresh(NearEntry near, long now) {
		return near.entry().freshUntilMillis() - now <= this.properties.refreshAhead().toMillis();
	}

	private Mono<Lookup> loadUnderLease(String valueKey, String stamp, Mono<?> loader, long deadline) {
		return this.lease.underLease(valueKey, stamp,
				Mono.defer(() -> loadUnlessStoredMeanwhile(valueKey, stamp, loader)),
				Mono.defer(() -> waitForLeaseHolder(valueKey, stamp, loader, deadline)));
	}

	/**
	 * Looks once more before loading: another instance may have stored the value and
	 * released its lease between this instance's lookup and its taking of the lease.
	 */
	private Mono<Lookup> loadUnlessStoredMeanwhile(String valueKey, String stamp, Mono<?> loader) {
		return fetchCurrent(valueKey, stamp).map((near) -> new Lookup(near, CacheOutcome.MISS_COLLAPSED))
			.switchIfEmpty(Mono.defer(() -> loadAndStore(valueKey, stamp, loader)));
	}

	/**
	 * Polls for the value another instance is loading. Should the holder die, its lease
	 * expires and one of the waiters takes it over; past the deadline a waiter loads on
	 * its own rather than wait longer.
	 */
	private Mono<Lookup> waitForLeaseHolder(String valueKey, String stamp, Mono<?> loader, long deadline) {
		this.metrics.leaseWaited();
		return Mono.delay(LEASE_POLL_INTERVAL)
			.then(fetchCurrent(valueKey, stamp))
			.map((near) -> new Lookup(near, CacheOutcome.MISS_COLLAPSED))
			.switchIfEmpty(Mono.defer(() -> (this.clock.millis() < deadline)
					? loadUnderLease(valueKey, stamp, loader, deadline) : loadAndStore(valueKey, stamp, loader)));
	}

	private Mono<Lookup> loadAndStore(String valueKey, String stamp, Mono<?> loader) {
		return load(loader).flatMap((json) -> {
			long now = this.clock.millis();
			Duration ttl = ttlWithJitter();
			CacheEntry entry = CacheEntry.compressed(stamp, now, now + ttl.toMillis(), json);
			// Redis keeps the copy past its TTL, to be served (marked stale) if the
			// database fails; the entry's own freshness decides what is a hit.
			Duration kept = ttl.plus(this.properties.staleIfError());
			NearEntry near = NearEntry.of(entry, json);
			if (json.length > this.properties.maxEntryBytes().toBytes()) {
				return Mono.just(new Lookup(near, CacheOutcome.MISS_NOT_STORED));
			}
			return this.redis.call("SET", (redis) -> redis.opsForValue().set(valueKey, entry.encode(), kept))
				.map((stored) -> {
					if (stored) {
						this.nearCache.put(NearCache.entryKey(valueKey, stamp), near);
					}
					return new Lookup(near, stored ? CacheOutcome.MISS_STORED : CacheOutcome.MISS_NOT_STORED);
				})
				.onErrorReturn(CacheUnavailableException.class, new Lookup(near, CacheOutcome.MISS_NOT_STORED));
		});
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

	private Mono<String> readStamp(CacheKey key) {
		return this.generations.stamp(key.dependencies());
	}

	private String valueKey(CacheKey key) {
		return key.valueKey(this.properties.keyPrefix());
	}

	/**
	 * What one flight found: the entry, and how the request that started the flight was
	 * served.
	 */
	private record Lookup(NearEntry near, CacheOutcome outcome) {

	}

	/** What {@link #nearHit} found. */
	sealed interface NearLookup {

		/** This instance holds the current entry: the response to write. */
		record Hit(CachedResponse response) implements NearLookup {

		}

		/**
		 * Not held here: the generations read for the request, if any were read (none
		 * while the cache is off), for {@link #respond} to reuse.
		 */
		record Miss(StampRead read) implements NearLookup {

		}

	}

	/** The generations read for a request: their stamp, or the failure to read them. */
	sealed interface StampRead {

		CacheKey key();

		Mono<String> value();

		record Read(CacheKey key, String stamp) implements StampRead {

			@Override
			public Mono<String> value() {
				return Mono.just(this.stamp);
			}

		}

		record Failed(CacheKey key, CacheUnavailableException failure) implements StampRead {

			@Override
			public Mono<String> value() {
				return Mono.error(this.failure);
			}

		}

	}

}
