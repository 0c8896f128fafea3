package com.example.catalog.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The generation counters that make invalidation a matter of one increment.
 * <p>
 * Every entry depends on a few <em>scopes</em> (opaque names the features choose: an
 * item, a category's listings, one principal's favourites) and on the scope
 * {@link #EVERYTHING}. Each scope has a counter in Redis; an entry is stored with the
 * values of its counters (its stamp), and a request reads the counters before it looks up
 * or loads anything, so an entry or a load from before a write is never served after it.
 * A write increments the counters of exactly the scopes it changed, atomically
 * ({@link CounterBumps}).
 * <p>
 * An increment carries the change's id: the first increment for an id applies, later ones
 * (the writer's retry after a timed-out reply, the change feed of every instance hearing
 * of the same change) are confirmed without applying again.
 * <p>
 * A counter starts at a value derived from the clock, so that a counter lost with Redis
 * (or expired: counters live {@code counterTtl} past their last increment) never comes
 * back with a value old entries were stamped with.
 * <p>
 * Where {@link HeldStamps} are configured, a set of counters of shared scopes is read
 * under a lease ({@link CounterReads}) and its stamp used again until the lease runs out
 * or a write's notice drops it ({@link InvalidationNotices}); a write that bumps shared
 * counters then completes only once their holders have dropped them.
 */
final class Generations {

	private static final Log logger = LogFactory.getLog(Generations.class);

	/** The scope every entry depends on: increment it and everything is a miss. */
	static final String EVERYTHING = "everything";

	private final CounterKeys keys;

	private final CounterReads reads;

	private final CounterBumps bumps;

	private final Duration invalidationTimeout;

	private final Duration retryTimeout;

	private final CacheMetrics metrics;

	/**
	 * The counters of each set of scopes with their coalesced read, so that a hit builds
	 * no key names; bounded, since scopes are.
	 */
	private final Cache<List<String>, ScopeCounters> counters = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(10))
		.build();

	private final PendingChanges pending;

	private final HeldStamps held;

	/** Null when stamps are not held. */
	private final InvalidationNotices notices;

	Generations(GuardedRedis redis, String prefix, Duration counterTtl, Duration invalidationTimeout,
			Duration retryTimeout, Clock clock, CacheMetrics metrics) {
		this(redis, prefix, counterTtl, invalidationTimeout, retryTimeout, clock, metrics, HeldStamps.NONE, null);
	}

	Generations(GuardedRedis redis, String prefix, Duration counterTtl, Duration invalidationTimeout,
			Duration retryTimeout, Clock clock, CacheMetrics metrics, HeldStamps held, InvalidationNotices notices) {
		if (held.configured() && notices == null) {
			throw new IllegalArgumentException("Held stamps need invalidation notices");
		}
		this.held = held;
		this.notices = held.configured() ? notices : null;
		this.keys = new CounterKeys(prefix, clock);
		this.reads = new CounterReads(redis, this.keys, counterTtl, held,
				(this.notices != null) ? this.notices.instanceId() : null);
		this.bumps = new CounterBumps(redis, this.keys, counterTtl, held, this.notices);
		this.invalidationTimeout = invalidationTimeout;
		this.retryTimeout = retryTimeout;
		this.pending = new PendingChanges(retryTimeout);
		this.metrics = metrics;
	}

	/**
	 * The stamp of an entry that depends on {@code scopes}: the values of their counters
	 * (and of {@link #EVERYTHING}'s), read by a read sent after this call or held from
	 * one no write has been acknowledged since, with the missing counters created. Fails
	 * with {@link CacheUnavailableException} when Redis cannot be asked, or when an
	 * unconfirmed change may have touched these scopes.
	 */
	Mono<String> stamp(List<String> scopes) {
		ScopeCounters counters = this.counters.get(scopes, (key) -> {
			List<String> counterKeys = this.keys.of(key);
			return new ScopeCounters(counterKeys, counterKeys.stream().allMatch(this.keys::isShared), this.reads::read);
		});
		return this.pending
			.retryThenCheck(counters.keys(),
					(change) -> this.bumps.apply(change, this.retryTimeout, UUID.randomUUID().toString(), false).then())
			.then(Mono.defer(() -> {
				String current = this.held.current(counters.held());
				if (current != null) {
					counters.used();
					return Mono.just(current);
				}
				return counters.read().doOnNext((stamp) -> keepRenewing(counters));
			}));
	}

	/**
	 * Reads a held set of counters again shortly before its lease ends if a request used
	 * it meanwhile, so that a set used now and then (an idle service) stays held. A timer
	 * rather than the request that notices: sent beside a response, the renewal delayed
	 * it by as much as the read it saves.
	 */
	private void keepRenewing(ScopeCounters counters) {
		HeldStamps.Held held = counters.held();
		if (held == null || !counters.startRenewal()) {
			return;
		}
		Mono.delay(this.held.renewalIn(held)).flatMap((tick) -> {
			counters.renewed();
			return counters.takeUsed() ? counters.read() : Mono.empty();
		})
			.subscribe((stamp) -> keepRenewing(counters),
					(ex) -> logger.debug("Renewing held generations failed; the next request reads them", ex));
	}

	/**
	 * Increments the counters of {@code scopes} once for the change {@code changeId}, and
	 * completes when Redis has confirmed it and no instance holds a stamp from before it;
	 * retried within the invalidation timeout, past which it fails with
	 * {@link InvalidationUnconfirmedException} and the change is kept pending (see
	 * {@link #stamp}). A {@code reported} change (one its writer invalidates too) that
	 * was applied already completes once Redis has confirmed that: whoever applied it
	 * told the holders and waited for them.
	 */
	Mono<Void> bump(Collection<String> scopes, String changeId, boolean reported) {
		CounterChange change = this.keys.change(scopes, changeId);
		String nonce = UUID.randomUUID().toString();
		Mono<InvalidationNotices.Holders> confirmed = confirm(scopes, change, nonce, reported);
		return (this.notices != null) ? this.notices.awaitHolders(nonce, confirmed) : confirmed.then();
	}

	/** A writer's change: {@link #bump(Collection, String, boolean)}, not reported. */
	Mono<Void> bump(Collection<String> scopes, String changeId) {
		return bump(scopes, changeId, false);
	}

	private Mono<InvalidationNotices.Holders> confirm(Collection<String> scopes, CounterChange change, String nonce,
			boolean reported) {
		long started = System.nanoTime();
		return this.bumps.apply(change, this.invalidationTimeout, nonce, reported)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(10))
				.maxBackoff(Duration.ofMillis(200))
				.filter(CacheUnavailableException.class::isInstance))
			.timeout(this.invalidationTimeout)
			.doOnSuccess((ignored) -> this.metrics.invalidated(true, System.nanoTime() - started))
			.onErrorMap((ex) -> !(ex instanceof Error), (ex) -> {
				this.metrics.invalidated(false, System.nanoTime() - started);
				this.pending.keep(change);
				return new InvalidationUnconfirmedException(scopes, ex);
			});
	}

	/** Whether a change of this instance's is still waiting for Redis to confirm it. */
	boolean hasPending() {
		return !this.pending.isEmpty();
	}

}
