package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.ErrorResponseException;

/**
 * The flow of a cacheable request, and of an invalidation; see the package documentation
 * for a walk through it. The mechanisms it combines live in classes of their own:
 * {@link Generations} (stamps and invalidation), {@link StampReads} (what a request reads
 * first), {@link NearCache} (this instance's copies), {@link SingleFlight} (one load
 * within this instance), {@link LeasedLoads} (the entry in Redis, or one load across
 * instances, and refresh ahead of expiry), {@link StoredEntries} (entries in Redis),
 * {@link JsonLoads} (running a loader) and {@link UncachedLoads} (answering without the
 * cache).
 */
public class ResponseCache {

	/** The scope every entry depends on: invalidating it makes everything a miss. */
	public static final String EVERYTHING = Generations.EVERYTHING;

	private final Generations generations;

	private final NearCache nearCache;

	private final LeasedLoads leasedLoads;

	private final JsonLoads loads;

	private final CacheProperties properties;

	private final CacheMetrics metrics;

	private final Clock clock;

	private final SingleFlight<String, Lookup> flights;

	private final StampReads stampReads;

	private final HttpCaching httpCaching;

	private final CacheSteps steps;

	private final Rewarming rewarming;

	private final ContentDependencies contentDependencies;

	private final UncachedLoads uncachedLoads;

	/**
	 * How many times a request looks up again when loads name scopes it had not read
	 * (content that moves under the request's feet); then it loads without storing.
	 */
	private static final int LOOKUPS_AFTER_CONTENT_MOVED = 2;

	ResponseCache(GuardedRedis redis, Generations generations, CacheProperties properties, JsonMapper jsonMapper,
			CacheMetrics metrics, Clock clock, CacheSteps steps) {
		this.generations = generations;
		this.steps = steps;
		this.properties = properties;
		this.metrics = metrics;
		this.clock = clock;
		this.nearCache = new NearCache(properties.nearCacheMaxBytes().toBytes(),
				properties.ttl().multipliedBy(2).plus(properties.staleIfError()));
		LoadBulkhead bulkhead = new LoadBulkhead(properties.maxConcurrentLoads(), properties.loadQueueTimeout(),
				metrics);
		metrics.watch(bulkhead);
		this.loads = new JsonLoads(jsonMapper, properties.loadTimeout(), bulkhead, metrics, steps);
		this.uncachedLoads = new UncachedLoads(this.loads, metrics);
		StoredEntries storedEntries = new StoredEntries(redis, this.nearCache, properties, clock);
		this.leasedLoads = new LeasedLoads(storedEntries,
				new LoadLease(redis, properties.loadTimeout().plus(properties.redisTimeout()).plusSeconds(1)),
				this.loads, metrics, clock, properties.refreshAhead(), steps);
		this.flights = new SingleFlight<>(properties.maxFlights());
		this.httpCaching = new HttpCaching(properties.httpMaxAge());
		this.contentDependencies = new ContentDependencies(properties.maxFlights(), properties.ttl().multipliedBy(2));
		this.stampReads = new StampReads(generations, this.contentDependencies, this.nearCache, storedEntries, steps,
				properties.maxFlights());
		this.rewarming = new Rewarming(properties.rewarmEntries(),
				Math.min(properties.rewarmConcurrency(), properties.maxConcurrentLoads()), properties.maxFlights(),
				properties.ttl(), this::reload,
				(key, valueKey) -> this.contentDependencies.reading(key, valueKey).scopes(), metrics);
	}

	/**
	 * {@link #get} rendered as an HTTP response: 200 with the body, or 304 when the
	 * request's {@code If-None-Match} names the current ETag. {@code admission} (a
	 * client's limit, say; {@code Mono.empty()} for none) is asked only when this request
	 * would otherwise load or wait for another instance's load, never for a hit, in the
	 * round trip of the attempt at the load lease (a request it refuses releases the
	 * lease it took; one it refuses at once, from memory, takes none). Its error is the
	 * request's answer. It is asked at most once per request, and a refresh ahead of
	 * expiry, which no client asked for, never asks it.
	 */
	public Mono<ResponseEntity<ByteBuffer>> respond(CacheKey key, ServerHttpRequest request, Mono<Void> admission,
			Mono<?> loader) {
		return get(key, StampedRequest.readOf(request), admission.cache(), loader).map((response) -> {
			if (response.notFound()) {
				ByteBuffer problem = response.bodyView();
				byte[] json = new byte[problem.remaining()];
				problem.get(json);
				ErrorResponseException notFound = this.loads.notFound(json);
				notFound.getHeaders().set(HttpCaching.CACHE_STATUS, response.cacheStatus());
				throw notFound;
			}
			return this.httpCaching.render(response, request.getHeaders());
		});
	}

	/**
	 * Serves the response identified by {@code key}: from the cache when a current entry
	 * is there, otherwise from {@code loader}, whose value is serialised to JSON once,
	 * stored and answered with the same bytes. Concurrent misses for one key share one
	 * load. Errors of the loader reach the caller and are never cached.
	 */
	Mono<CachedResponse> get(CacheKey key, Mono<?> loader) {
		return get(key, null, Mono.empty(), loader);
	}

	/** {@link #get(CacheKey, Mono)} with an admission, as {@link #respond} asks it. */
	Mono<CachedResponse> get(CacheKey key, Mono<Void> admission, Mono<?> loader) {
		return get(key, null, admission.cache(), loader);
	}

	private Mono<CachedResponse> get(CacheKey key, StampRead earlierRead, Mono<Void> admission, Mono<?> loader) {
		return this.steps.observe(CacheSteps.Step.LOOKUP, lookUp(key, earlierRead, admission, loader),
				(response) -> CacheSteps.outcomeOf(response.outcome()));
	}

	private Mono<CachedResponse> lookUp(CacheKey key, StampRead earlierRead, Mono<Void> admission, Mono<?> loader) {
		if (!this.properties.enabled()) {
			return admission.then(this.uncachedLoads.load(key, loader, CacheOutcome.BYPASS_DISABLED));
		}
		return lookUp(key, earlierRead, admission, loader, LOOKUPS_AFTER_CONTENT_MOVED);
	}

	private Mono<CachedResponse> lookUp(CacheKey key, StampRead earlierRead, Mono<Void> admission, Mono<?> loader,
			int lookupsLeft) {
		String valueKey = valueKey(key);
		Mono<StampRead.Read> read = (earlierRead != null && earlierRead.key().equals(key)) ? earlierRead.read()
				: this.stampReads.read(key, valueKey, true);
		this.rewarming.loadable(valueKey, key, loader);
		return read.flatMap((stampRead) -> {
			Stamp current = stampRead.stamp();
			NearEntry near = this.nearCache.heldFresh(valueKey, current.value(), this.clock.millis());
			if (near != null) {
				refreshIfExpiringSoon(key, valueKey, current, near, loader);
				return Mono.just(served(key, valueKey, new Lookup(near, CacheOutcome.HIT), true));
			}
			SingleFlight.Flight<Lookup> flight = flight(key, valueKey, current, stampRead.stored(), admission, loader);
			return flight.result().map((lookup) -> {
				if (lookup.outcome() == CacheOutcome.HIT) {
					refreshIfExpiringSoon(key, valueKey, current, lookup.near(), loader);
				}
				return served(key, valueKey, lookup, flight.leader());
			});
		})
			.onErrorResume(CacheUnavailableException.class,
					(ex) -> admission.then(this.uncachedLoads.bypassing(key, valueKey, loader)))
			// The load named scopes this request had not read: look up again with them
			// read.
			.onErrorResume(ContentMovedException.class,
					(ex) -> (lookupsLeft > 0) ? lookUp(key, null, admission, loader, lookupsLeft - 1)
							: admission.then(this.uncachedLoads.load(key, loader, CacheOutcome.MISS_NOT_STORED)));
	}

	/**
	 * The response for {@code key} when this instance holds its current entry and needs
	 * no loader for it (it is not due for a refresh), counted as a hit; otherwise the
	 * generations it read, for {@link #respond} to reuse, so that the request reads them
	 * once. When this instance holds no entry of the key at all, the answer does not wait
	 * for Redis: the read is sent and handed over unanswered
	 * ({@link NearLookup.NotHeld}), so that the request's way through WebFlux to
	 * {@link #respond} overlaps its round trip.
	 */
	Mono<NearLookup> nearHit(CacheKey key) {
		if (!this.properties.enabled()) {
			return Mono.just(new NearLookup.Miss(null));
		}
		String valueKey = valueKey(key);
		if (!this.nearCache.holdsAny(valueKey)) {
			return Mono
				.just(new NearLookup.NotHeld(StampRead.Pending.of(key, this.stampReads.read(key, valueKey, true))));
		}
		// Held here: the entry's bytes need not cross the network.
		return this.stampReads.read(key, valueKey, false).<NearLookup>map((read) -> {
			long now = this.clock.millis();
			NearEntry near = this.nearCache.heldFresh(valueKey, read.stamp().value(), now);
			// A kept 404 is answered by the handler, as problems are, not here.
			if (near == null || near.entry().notFound() || this.leasedLoads.dueForRefresh(near, now)) {
				return new NearLookup.Miss(read);
			}
			return new NearLookup.Hit(served(key, valueKey, new Lookup(near, CacheOutcome.HIT), true));
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
		return invalidate(scopes, changeId, false);
	}

	/**
	 * {@link #invalidate} for a change reported by someone other than its writer (a feed
	 * of the database's changes, say), who invalidates it too: when the change has been
	 * applied already, it completes without telling the other instances again or waiting
	 * for them, since whoever applied it did both.
	 */
	public Mono<Void> invalidateReported(Collection<String> scopes, String changeId) {
		return invalidate(scopes, changeId, true);
	}

	private Mono<Void> invalidate(Collection<String> scopes, String changeId, boolean reported) {
		if (!this.properties.enabled()) {
			return Mono.empty();
		}
		return this.generations.bump(scopes, changeId, reported)
			.doOnSuccess((confirmed) -> this.rewarming.changed(scopes));
	}

	/** Makes every cached response a miss, on every instance. */
	public Mono<Void> invalidateEverything() {
		return invalidate(List.of(EVERYTHING), UUID.randomUUID().toString());
	}

	/**
	 * Loads {@code key} again for {@link Rewarming}, the way a reader's miss would,
	 * unless this instance holds its current entry; counted as a rewarm, not as a
	 * request.
	 */
	private Mono<CacheOutcome> reload(CacheKey key, Mono<?> loader) {
		String valueKey = valueKey(key);
		return this.stampReads.read(key, valueKey, false).flatMap((read) -> {
			if (this.nearCache.heldFresh(valueKey, read.stamp().value(), this.clock.millis()) != null) {
				return Mono.just(CacheOutcome.HIT);
			}
			return flight(key, valueKey, read.stamp(), null, Mono.empty(), loader).result().map(Lookup::outcome);
		});
	}

	/**
	 * Joins, or starts, this instance's one lookup of the entry of {@code valueKey} under
	 * {@code stamp}: from Redis ({@code stored}, when it was read along with the stamp),
	 * or a load under the lease.
	 */
	private SingleFlight.Flight<Lookup> flight(CacheKey key, String valueKey, Stamp stamp, StoredEntries.Stored stored,
			Mono<Void> admission, Mono<?> loader) {
		return this.flights.join(NearCache.entryKey(valueKey, stamp.value()),
				() -> this.stampReads.lookingUp(valueKey, this.leasedLoads.lookupOrLoad(valueKey, stamp.value(), stored,
						admission, this.contentDependencies.confined(key, valueKey, stamp, loader))));
	}

	private void refreshIfExpiringSoon(CacheKey key, String valueKey, Stamp stamp, NearEntry near, Mono<?> loader) {
		if (this.leasedLoads.dueForRefresh(near, this.clock.millis())) {
			this.leasedLoads.refreshIfExpiringSoon(valueKey, stamp.value(), near,
					this.contentDependencies.confined(key, valueKey, stamp, loader));
		}
	}

	HttpCaching httpCaching() {
		return this.httpCaching;
	}

	int flightsInProgress() {
		return this.flights.size();
	}

	private CachedResponse served(CacheKey key, String valueKey, Lookup lookup, boolean leader) {
		CacheOutcome outcome = (leader || lookup.outcome() == CacheOutcome.HIT
				|| lookup.outcome() == CacheOutcome.STALE) ? lookup.outcome() : CacheOutcome.MISS_COLLAPSED;
		this.metrics.served(outcome);
		this.rewarming.read(valueKey);
		NearEntry near = lookup.near();
		long freshnessLeft = Math.floorDiv(near.entry().freshUntilMillis() - this.clock.millis(), 1000);
		return new CachedResponse(near.plain(), near.gzipOrNull(), near.entry().etag(), outcome, key.scope(),
				outcome.cacheStatusHeader(freshnessLeft, valueKey), near.entry().notFound());
	}

	private String valueKey(CacheKey key) {
		return key.valueKey(this.properties.keyPrefix());
	}

}
