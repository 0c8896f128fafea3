package com.example.catalog.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.web.ErrorResponse;

/**
 * The way from a miss of this instance to an entry: the entry in Redis when another
 * instance stored it, else one load across all instances under the {@link LoadLease}, the
 * others polling for its value. Also refreshes entries ahead of their expiry, so that a
 * hot entry does not turn into a burst of misses when its TTL ends.
 */
final class LeasedLoads {

	private static final Log logger = LogFactory.getLog(LeasedLoads.class);

	private static final Duration LEASE_POLL_INTERVAL = Duration.ofMillis(15);

	private final StoredEntries entries;

	private final LoadLease lease;

	private final JsonLoads loads;

	private final CacheMetrics metrics;

	private final Clock clock;

	private final Duration refreshAhead;

	private final CacheSteps steps;

	/** Entries being refreshed ahead of their expiry by this instance. */
	private final Set<String> refreshing = ConcurrentHashMap.newKeySet();

	LeasedLoads(StoredEntries entries, LoadLease lease, JsonLoads loads, CacheMetrics metrics, Clock clock,
			Duration refreshAhead, CacheSteps steps) {
		this.entries = entries;
		this.lease = lease;
		this.loads = loads;
		this.metrics = metrics;
		this.clock = clock;
		this.refreshAhead = refreshAhead;
		this.steps = steps;
	}

	/**
	 * Runs once per key and stamp in this instance (the single flight): the entry from
	 * Redis, or else a load, which across instances is guarded by the load lease so that
	 * the other instances wait for the holder's value instead of loading too. A miss asks
	 * {@code admission} in the round trip of its attempt at the lease, and neither loads
	 * nor waits for another's load unless admitted; a request refused there releases the
	 * lease it took, and one refused at once takes none. {@code admission} must answer
	 * the same when asked twice (it is asked again should Redis fail after it).
	 * {@code stored} is what Redis held for the key when the generations were read, if it
	 * was read along with them ({@code null}: it is read now).
	 */
	Mono<Lookup> lookupOrLoad(String valueKey, String stamp, StoredEntries.Stored stored, Mono<Void> admission,
			Mono<?> loader) {
		long deadline = this.clock.millis() + this.lease.ttl().toMillis();
		Mono<NearEntry> inRedis = (stored != null) ? this.entries.stamped(stored, valueKey, stamp)
				: this.entries.fetchStamped(valueKey, stamp);
		return inRedis.map(Optional::of).defaultIfEmpty(Optional.empty()).flatMap((found) -> {
			if (found.isPresent() && found.get().freshAt(this.clock.millis())) {
				return Mono.just(new Lookup(found.get(), CacheOutcome.HIT));
			}
			Mono<Lookup> loading = loadUnderLease(valueKey, stamp, admission, loader, deadline, false);
			return found.isEmpty() ? loading : loading.onErrorResume(LeasedLoads::mayServeStaleOn,
					(ex) -> Mono.just(new Lookup(found.get(), CacheOutcome.STALE)));
		})
			.onErrorResume(CacheUnavailableException.class, (ex) -> admission.then(this.loads.load(loader))
				.map((json) -> new Lookup(NearEntry.uncompressed(stamp, json), CacheOutcome.BYPASS_UNAVAILABLE)));
	}

	boolean dueForRefresh(NearEntry near, long now) {
		return near.entry().freshUntilMillis() - now <= this.refreshAhead.toMillis();
	}

	/**
	 * Starts a background refresh of an entry near the end of its TTL, at most one per
	 * entry in this instance and, through the lease, one across instances. Requests keep
	 * getting the current copy meanwhile; a failed refresh only means the entry expires,
	 * so its failure is counted and logged and goes no further.
	 */
	void refreshIfExpiringSoon(String valueKey, String stamp, NearEntry near, Mono<?> loader) {
		// A kept 404 lives a few seconds: refreshing it ahead would load on every hit.
		if (near.entry().notFound() || !dueForRefresh(near, this.clock.millis())) {
			return;
		}
		String entryKey = NearCache.entryKey(valueKey, stamp);
		if (!this.refreshing.add(entryKey)) {
			return;
		}
		this.lease
			.underLease(valueKey, stamp, (release) -> Mono.defer(() -> loadAndStore(valueKey, stamp, loader, release)),
					Mono.empty())
			.doFinally((signal) -> this.refreshing.remove(entryKey))
			.subscribe((lookup) -> this.metrics.refreshed(true), (ex) -> {
				this.metrics.refreshed(false);
				logger.debug("Refresh of " + valueKey + " ahead of its expiry failed", ex);
			});
	}

	/**
	 * A failed load may be answered with the stale copy when the failure is the server's
	 * (the database is down, say), not when the request itself was wrong.
	 */
	private static boolean mayServeStaleOn(Throwable failure) {
		return !(failure instanceof CacheUnavailableException) && !(failure instanceof ContentMovedException)
				&& !(failure instanceof ErrorResponse response && response.getStatusCode().is4xxClientError());
	}

	/**
	 * Takes the lease and looks once more in the same round trip: another instance may
	 * have stored the value and released its lease between this instance's lookup and its
	 * taking of the lease (then it is served, whoever holds the lease now). From the
	 * first time the lease is found held to the answer is one step, {@code waiting} for
	 * the holder.
	 */
	private Mono<Lookup> loadUnderLease(String valueKey, String stamp, Mono<Void> admission, Mono<?> loader,
			long deadline, boolean waiting) {
		return this.lease.underLease(valueKey, stamp, admission, this.entries.fetchCurrent(valueKey, stamp),
				(storedMeanwhile, release) -> storedMeanwhile.map(LeasedLoads::collapsed)
					.orElseGet(() -> loadAndStore(valueKey, stamp, loader, release)),
				(storedMeanwhile) -> storedMeanwhile.map(LeasedLoads::collapsed)
					.orElseGet(() -> waiting ? waitForLeaseHolder(valueKey, stamp, loader, deadline)
							: this.steps.observe(CacheSteps.Step.LEASE_WAIT,
									waitForLeaseHolder(valueKey, stamp, loader, deadline),
									(lookup) -> CacheSteps.outcomeOf(lookup.outcome()))));
	}

	private static Mono<Lookup> collapsed(NearEntry near) {
		return Mono.just(new Lookup(near, CacheOutcome.MISS_COLLAPSED));
	}

	/**
	 * Polls for the value another instance is loading, each poll a look and an attempt at
	 * the lease in one round trip. Should the holder die or give up, its lease ends and
	 * one of the waiters takes it over; past the deadline a waiter loads on its own
	 * rather than wait longer.
	 */
	private Mono<Lookup> waitForLeaseHolder(String valueKey, String stamp, Mono<?> loader, long deadline) {
		this.metrics.leaseWaited();
		return Mono.delay(LEASE_POLL_INTERVAL)
			.then(Mono.defer(() -> (this.clock.millis() < deadline)
					? loadUnderLease(valueKey, stamp, Mono.empty(), loader, deadline, true)
					: this.entries.fetchCurrent(valueKey, stamp)
						.flatMap(LeasedLoads::collapsed)
						.switchIfEmpty(Mono.defer(() -> loadAndStore(valueKey, stamp, loader, Mono.empty())))));
	}

	/**
	 * Loads and stores, releasing the lease (if this instance holds one) together with
	 * the store: subscribed right after it, so that Lettuce sends both at once and Redis
	 * runs them in that order. Should the release overtake the store all the same, a
	 * waiter finds the lease free and the value not yet there and loads once more: a
	 * wasted load, never a wrong answer, since every entry carries its stamp.
	 */
	private Mono<Lookup> loadAndStore(String valueKey, String stamp, Mono<?> loader, Mono<Void> releaseLease) {
		return this.loads.load(loader)
			.flatMap((json) -> releasingWith(this.entries.store(valueKey, stamp, json), releaseLease))
			.onErrorResume(JsonLoads::isNotFound,
					(ex) -> releasingWith(this.entries.storeNotFound(valueKey, stamp, this.loads.notFoundJson(ex)),
							releaseLease));
	}

	private Mono<Lookup> releasingWith(Mono<Lookup> store, Mono<Void> releaseLease) {
		return this.steps.observe(CacheSteps.Step.STORE, store)
			.zipWith(releaseLease.thenReturn(Boolean.TRUE), (lookup, released) -> lookup);
	}

}
