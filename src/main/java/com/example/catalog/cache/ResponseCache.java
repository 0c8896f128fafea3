package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The response cache: every cacheable GET goes through {@link #get}.
 * <p>
 * Invalidation works by generations. Every entry is stored with the values of the
 * generation counters it depends on (its stamp); a write increments a counter, which
 * makes every entry stamped with the old value a miss at once, without scanning or
 * deleting keys. A request reads the counters before it looks up or loads anything, so a
 * load that started before a write is stamped with the old generation and can never be
 * served after it.
 * <p>
 * Redis is optional. Every command has a short timeout and goes through a circuit
 * breaker; any failure makes the request load from the database ({@code fwd=bypass})
 * instead of failing.
 */
public class ResponseCache {

	private static final Log logger = LogFactory.getLog(ResponseCache.class);

	private static final Duration LEASE_POLL_INTERVAL = Duration.ofMillis(15);

	/** Deletes the lease only if this instance still holds it. */
	private static final RedisScript<Long> RELEASE_LEASE = RedisScript.of(
			"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
			Long.class);

	private final ReactiveRedisTemplate<String, byte[]> redis;

	private final CacheProperties properties;

	private final JsonMapper jsonMapper;

	private final CacheMetrics metrics;

	private final CircuitBreaker breaker;

	private final RedisConnectionGate gate;

	private final Clock clock;

	private final SingleFlight<String, Lookup> flights;

	private final HttpCaching httpCaching;

	/**
	 * Entries this instance has seen, by value key and stamp, weighed in bytes. A write
	 * changes the stamp requests look up, so an entry here is never served after a write
	 * that invalidated it.
	 */
	private final Cache<String, NearEntry> nearCache;

	/** Loads shared while Redis is unavailable, by value key; bounded. */
	private final Cache<String, CoalescedRead<byte[]>> bypassLoads = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(1))
		.build();

	/**
	 * One coalesced read per set of generation counters; bounded, since principals are.
	 */
	private final Cache<String, CoalescedRead<List<byte[]>>> generationReads = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(10))
		.build();

	/**
	 * Generation counters whose increment failed. Until they are incremented this
	 * instance does not trust Redis, so it never serves an entry that a lost invalidation
	 * should have removed.
	 */
	private final Set<String> pendingBumps = ConcurrentHashMap.newKeySet();

	/** Entries being refreshed ahead of their expiry by this instance. */
	private final Set<String> refreshing = ConcurrentHashMap.newKeySet();

	ResponseCache(ReactiveRedisTemplate<String, byte[]> redis, CacheProperties properties, JsonMapper jsonMapper,
			CacheMetrics metrics, CircuitBreaker breaker, RedisConnectionGate gate, Clock clock) {
		this.redis = redis;
		this.properties = properties;
		this.jsonMapper = jsonMapper;
		this.metrics = metrics;
		this.breaker = breaker;
		this.gate = gate;
		this.clock = clock;
		this.flights = new SingleFlight<>(properties.maxFlights());
		this.httpCaching = new HttpCaching(properties.httpMaxAge());
		this.nearCache = Caffeine.newBuilder()
			.maximumWeight(properties.nearCacheMaxBytes().toBytes())
			.weigher((String entryKey, NearEntry near) -> near.weight())
			.expireAfterWrite(properties.ttl().multipliedBy(2).plus(properties.staleIfError()))
			.build();
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
	 * Serves the response identified by {@code key}: from Redis when a current entry is
	 * there, otherwise from {@code loader}, whose value is serialised to JSON once,
	 * stored and answered with the same bytes. Concurrent misses for one key share one
	 * load. Errors of the loader reach the caller and are never cached.
	 */
	public Mono<CachedResponse> get(CacheKey key, Mono<?> loader) {
		return get(key, null, loader);
	}

	private Mono<CachedResponse> get(CacheKey key, StampRead earlierRead, Mono<?> loader) {
		if (!this.properties.enabled()) {
			return loadUncached(key, loader, CacheOutcome.BYPASS_DISABLED);
		}
		Mono<String> stamp = (earlierRead != null && earlierRead.key().equals(key)) ? earlierRead.value()
				: readStamp(key);
		return stamp.flatMap((current) -> {
			String entryKey = entryKey(key.valueKey(this.properties.keyPrefix()), current);
			NearEntry near = heldFresh(entryKey, this.clock.millis());
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
			return Mono.just(new NearLookup(null, null));
		}
		return readStamp(key).map((stamp) -> {
			long now = this.clock.millis();
			NearEntry near = heldFresh(entryKey(key.valueKey(this.properties.keyPrefix()), stamp), now);
			if (near == null || dueForRefresh(near, now)) {
				return new NearLookup(null, new StampRead(key, stamp, null));
			}
			return new NearLookup(served(key, new Lookup(near, CacheOutcome.HIT), true), null);
		})
			.onErrorResume(CacheUnavailableException.class,
					(ex) -> Mono.just(new NearLookup(null, new StampRead(key, null, ex))));
	}

	/**
	 * Loads for a request that cannot use Redis. Concurrent requests for one key share
	 * loads the way generation reads are shared: a request never takes the result of a
	 * load that started before it arrived (so it still sees every write acknowledged
	 * before it), but a burst costs two loads, not one per request.
	 */
	private Mono<CachedResponse> loadBypassing(CacheKey key, Mono<?> loader) {
		String valueKey = key.valueKey(this.properties.keyPrefix());
		return this.bypassLoads.get(valueKey, (ignored) -> new CoalescedRead<>(() -> load(loader)))
			.get()
			.map((json) -> uncached(key, json, CacheOutcome.BYPASS_UNAVAILABLE));
	}

	/** Makes every cached response a miss: call after any change to the catalog. */
	public Mono<Void> invalidateAll() {
		return bump(GenerationKeys.items(this.properties.keyPrefix()));
	}

	/** Makes the principal-scoped responses of one principal a miss, and no others. */
	public Mono<Void> invalidatePrincipal(String principal) {
		return bump(GenerationKeys.principal(this.properties.keyPrefix(), CacheKey.principalDigest(principal)));
	}

	HttpCaching httpCaching() {
		return this.httpCaching;
	}

	int flightsInProgress() {
		return this.flights.size();
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
	 * Redis, or else a load, which across instances is guarded by a short lease so that
	 * the other instances wait for the holder's value instead of loading too.
	 */
	private Mono<Lookup> lookupOrLoad(CacheKey key, String stamp, Mono<?> loader) {
		String valueKey = key.valueKey(this.properties.keyPrefix());
		long deadline = this.clock.millis() + leaseTtl().toMillis();
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
		return guarded("GET", this.redis.opsForValue().get(valueKey)).mapNotNull(this::decodeOrNull)
			.filter((entry) -> entry.stamp().equals(stamp))
			.mapNotNull(this::nearOrNull)
			.doOnNext((near) -> this.nearCache.put(entryKey(valueKey, stamp), near));
	}

	/**
	 * Starts a background refresh of an entry near the end of its TTL, at most one per
	 * entry in this instance and, through the lease, one across instances. Requests keep
	 * getting the current copy meanwhile; a failed refresh only means the entry expires.
	 */
	private void refreshIfExpiringSoon(CacheKey key, String stamp, NearEntry near, Mono<?> loader) {
		if (!dueForRefresh(near, this.clock.millis())) {
			return;
		}
		String valueKey = key.valueKey(this.properties.keyPrefix());
		String entryKey = entryKey(valueKey, stamp);
		if (!this.refreshing.add(entryKey)) {
			return;
		}
		underLease(valueKey, stamp, Mono.defer(() -> loadAndStore(valueKey, stamp, loader)), Mono.empty())
			.doFinally((signal) -> this.refreshing.remove(entryKey))
			.subscribe((lookup) -> logger.debug("Refreshed " + key + " ahead of its expiry"),
					(ex) -> logger.debug("Refresh of " + key + " ahead of its expiry failed", ex));
	}

	/**
	 * Names an entry in the near cache, in flights and in refreshes: its value key and
	 * the stamp it was loaded under, so that a write makes it unreachable at once.
	 */
	private static String entryKey(String valueKey, String stamp) {
		return valueKey + '|' + stamp;
	}

	/** This instance's copy of the entry, if it holds a fresh one. */
	private NearEntry heldFresh(String entryKey, long now) {
		NearEntry near = this.nearCache.getIfPresent(entryKey);
		return (near != null && near.freshAt(now)) ? near : null;
	}

	private boolean dueForRefresh(NearEntry near, long now) {
		return near.entry().freshUntilMillis() - now <= this.properties.refreshAhead().toMillis();
	}

	private Mono<Lookup> loadUnderLease(String valueKey, String stamp, Mono<?> loader, long deadline) {
		return underLease(valueKey, stamp, Mono.defer(() -> loadUnlessStoredMeanwhile(valueKey, stamp, loader)),
				Mono.defer(() -> waitForLeaseHolder(valueKey, stamp, loader, deadline)));
	}

	/**
	 * Runs {@code work} holding the load lease for this key and stamp and releases it
	 * afterwards (after a Redis failure the lease is left to expire); runs
	 * {@code whenHeldElsewhere} when another instance holds it.
	 */
	private Mono<Lookup> underLease(String valueKey, String stamp, Mono<Lookup> work, Mono<Lookup> whenHeldElsewhere) {
		String leaseKey = valueKey + ":lease:" + stamp;
		byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
		return guarded("SET NX", this.redis.opsForValue().setIfAbsent(leaseKey, token, leaseTtl()))
			.flatMap(
					(acquired) -> acquired
							? work.flatMap((lookup) -> releaseLease(leaseKey, token).thenReturn(lookup))
								.onErrorResume((ex) -> !(ex instanceof CacheUnavailableException),
										(ex) -> releaseLease(leaseKey, token).then(Mono.error(ex)))
							: whenHeldElsewhere);
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

	private Mono<Void> releaseLease(String leaseKey, byte[] token) {
		return guarded("EVAL", this.redis.execute(RELEASE_LEASE, List.of(leaseKey), List.of(token)).then())
			.onErrorResume(CacheUnavailableException.class, (ex) -> Mono.empty());
	}

	private Duration leaseTtl() {
		return this.properties.loadTimeout().plus(this.properties.redisTimeout()).plusSeconds(1);
	}

	private Mono<Lookup> loadAndStore(String valueKey, String stamp, Mono<?> loader) {
		return load(loader).flatMap((json) -> {
			long now = this.clock.millis();
			Duration ttl = ttlWithJitter();
			CacheEntry entry = CacheEntry.compressed(stamp, now, now + ttl.toMillis(), json);
			// Redis keeps the copy past its TTL, to be served (marked stale) if the
			// database
			// fails; the entry's own freshness decides what is a hit.
			Duration kept = ttl.plus(this.properties.staleIfError());
			NearEntry near = NearEntry.of(entry, json);
			if (json.length > this.properties.maxEntryBytes().toBytes()) {
				return Mono.just(new Lookup(near, CacheOutcome.MISS_NOT_STORED));
			}
			return guarded("SET", this.redis.opsForValue().set(valueKey, entry.encode(), kept)).map((stored) -> {
				if (stored) {
					this.nearCache.put(entryKey(valueKey, stamp), near);
				}
				return new Lookup(near, stored ? CacheOutcome.MISS_STORED : CacheOutcome.MISS_NOT_STORED);
			}).onErrorReturn(CacheUnavailableException.class, new Lookup(near, CacheOutcome.MISS_NOT_STORED));
		});
	}

	private Duration ttlWithJitter() {
		long ttl = this.properties.ttl().toMillis();
		long jitter = (long) (ttl * this.properties.ttlJitter());
		return Duration.ofMillis(ttl + ((jitter > 0) ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0));
	}

	private NearEntry nearOrNull(CacheEntry entry) {
		try {
			return NearEntry.of(entry);
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Ignoring a cache entry whose body is not gzip: " + ex.getMessage());
			return null;
		}
	}

	private CacheEntry decodeOrNull(byte[] bytes) {
		try {
			return CacheEntry.decode(bytes);
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Ignoring an unreadable cache entry: " + ex.getMessage());
			return null;
		}
	}

	/**
	 * Reads the generation counters the key depends on, creating missing ones. A counter
	 * starts at a value derived from the clock rather than at zero, so that a counter
	 * lost with Redis never comes back with a value that old entries were stamped with.
	 */
	private Mono<String> readStamp(CacheKey key) {
		if (!this.gate.isOpen()) {
			return Mono.error(new CacheUnavailableException("Not connected to Redis yet", null));
		}
		List<String> generationKeys = key.generationKeys(this.properties.keyPrefix());
		return retryPendingBumps()
			.then(this.generationReads.get(String.join(" ", generationKeys),
					(joined) -> new CoalescedRead<>(() -> readGenerations(generationKeys)))
				.get())
			.map((values) -> {
				StringBuilder stamp = new StringBuilder();
				for (byte[] value : values) {
					if (value == null) {
						throw new CacheUnavailableException("Generation counter vanished", null);
					}
					stamp.append((stamp.length() > 0) ? "." : "").append(new String(value, StandardCharsets.US_ASCII));
				}
				return stamp.toString();
			});
	}

	/**
	 * The counters' values, creating the missing ones first; shared by every request that
	 * waits for this read, so a burst after the counters were lost seeds them once.
	 */
	private Mono<List<byte[]>> readGenerations(List<String> generationKeys) {
		return guarded("MGET", this.redis.opsForValue().multiGet(generationKeys)).flatMap(
				(values) -> values.contains(null)
						? seed(generationKeys, values)
							.then(guarded("MGET", this.redis.opsForValue().multiGet(generationKeys)))
						: Mono.just(values));
	}

	private Mono<Void> seed(List<String> generationKeys, List<byte[]> values) {
		byte[] start = Long.toString(this.clock.millis() * 1000 + ThreadLocalRandom.current().nextInt(1000))
			.getBytes(StandardCharsets.US_ASCII);
		Mono<Void> seeding = Mono.empty();
		for (int i = 0; i < generationKeys.size(); i++) {
			if (values.get(i) == null) {
				seeding = seeding
					.then(guarded("SETNX", this.redis.opsForValue().setIfAbsent(generationKeys.get(i), start)))
					.then();
			}
		}
		return seeding;
	}

	private Mono<Void> bump(String generationKey) {
		if (!this.properties.enabled()) {
			return Mono.empty();
		}
		return guarded("INCR", this.redis.opsForValue().increment(generationKey)).then()
			.onErrorResume(CacheUnavailableException.class, (ex) -> {
				// Once per counter and outage: under load every write fails alike, and
				// one line says all there is to say.
				if (this.pendingBumps.add(generationKey)) {
					logger.warn("Could not invalidate cached responses (" + generationKey
							+ "); this instance bypasses the cache until it can");
				}
				return Mono.empty();
			});
	}

	private Mono<Void> retryPendingBumps() {
		if (this.pendingBumps.isEmpty()) {
			return Mono.empty();
		}
		return Flux.fromIterable(List.copyOf(this.pendingBumps))
			.concatMap((generationKey) -> guarded("INCR", this.redis.opsForValue().increment(generationKey))
				.doOnSuccess((value) -> {
					if (this.pendingBumps.remove(generationKey)) {
						logger.info("Invalidated cached responses (" + generationKey + ") after all; caching resumes");
					}
				}))
			.then();
	}

	private <T> Mono<T> guarded(String command, Mono<T> operation) {
		return operation.timeout(this.properties.redisTimeout())
			.transformDeferred(CircuitBreakerOperator.of(this.breaker))
			// An Error is a bug or a JVM problem, not Redis being unavailable: let it
			// surface.
			.onErrorMap((ex) -> !(ex instanceof CacheUnavailableException) && !(ex instanceof Error), (ex) -> {
				if (!(ex instanceof CallNotPermittedException)) {
					this.metrics.redisFailed();
					logger.debug("Redis " + command + " failed", ex);
				}
				return new CacheUnavailableException("Redis " + command + " failed", ex);
			});
	}

	/**
	 * What one flight found: the entry, and how the request that started the flight was
	 * served.
	 */
	private record Lookup(NearEntry near, CacheOutcome outcome) {

	}

	/**
	 * What {@link #nearHit} found: the response to write, or else the generations it
	 * read.
	 */
	record NearLookup(CachedResponse hit, StampRead read) {

	}

	/**
	 * The generations read for a request, as a value or as the failure to read them.
	 */
	record StampRead(CacheKey key, String stamp, CacheUnavailableException failure) {

		Mono<String> value() {
			return (this.failure != null) ? Mono.error(this.failure) : Mono.just(this.stamp);
		}

	}

}
