package com.example.catalog.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Changes whose increment Redis did not confirm in time. Until it does, this instance
 * does not trust Redis for the counters they touch, so it never serves an entry that a
 * lost invalidation should have made a miss. A request that reads counters while some are
 * pending joins the retry of all of them (one at a time per instance, the changes sent
 * together) and waits for it at most one retry timeout: after a burst of changes whose
 * confirmations came late (the change feed's, say) there may be thousands, and a request
 * that retried them one by one waited seconds.
 */
final class PendingChanges {

	private static final Log logger = LogFactory.getLog(PendingChanges.class);

	private final Map<String, CounterChange> pending = new ConcurrentHashMap<>();

	private final Duration retryTimeout;

	/** The retry in flight, for requests to join; null when none is. */
	private final AtomicReference<Mono<Void>> retrying = new AtomicReference<>();

	PendingChanges(Duration retryTimeout) {
		this.retryTimeout = retryTimeout;
	}

	boolean isEmpty() {
		return this.pending.isEmpty();
	}

	void keep(CounterChange change) {
		boolean first = this.pending.isEmpty();
		// Once per outage: while Redis is away every write fails alike, and one line
		// says all there is to say.
		if (this.pending.putIfAbsent(change.id(), change) == null && first) {
			logger.warn("Could not invalidate cached responses of " + change.counters()
					+ " in time; this instance bypasses the cache for what unconfirmed changes touched until it can");
		}
	}

	/**
	 * Retries the pending changes with {@code apply} (or joins the retry in flight), then
	 * completes when none of those still pending touches {@code counters}, and fails with
	 * {@link CacheUnavailableException} when one does.
	 */
	Mono<Void> retryThenCheck(List<String> counters, Function<CounterChange, Mono<Void>> apply) {
		if (this.pending.isEmpty()) {
			return Mono.empty();
		}
		return Mono.defer(() -> retry(apply)).then(Mono.defer(() -> {
			for (CounterChange change : this.pending.values()) {
				if (change.touchesAny(counters)) {
					return Mono.error(new CacheUnavailableException("An invalidation is pending", null));
				}
			}
			return Mono.empty();
		}));
	}

	private Mono<Void> retry(Function<CounterChange, Mono<Void>> apply) {
		Mono<Void> inFlight = this.retrying.get();
		if (inFlight != null) {
			return inFlight;
		}
		AtomicReference<Mono<Void>> self = new AtomicReference<>();
		Mono<Void> started = Flux.fromIterable(List.copyOf(this.pending.values()))
			.flatMap((change) -> apply.apply(change)
				.doOnSuccess((ignored) -> confirmed(change))
				.onErrorResume(CacheUnavailableException.class, (ex) -> Mono.empty()))
			.then()
			// Those still unconfirmed stay pending; the request bypasses what they touch.
			.timeout(this.retryTimeout, Mono.empty())
			.doFinally((signal) -> this.retrying.compareAndSet(self.get(), null))
			.cache();
		self.set(started);
		return this.retrying.compareAndSet(null, started) ? started : retry(apply);
	}

	private void confirmed(CounterChange change) {
		if (this.pending.remove(change.id()) != null && this.pending.isEmpty()) {
			logger.info("Invalidated cached responses after all; caching resumes");
		}
	}

}
