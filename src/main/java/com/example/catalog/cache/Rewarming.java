package com.example.catalog.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * After a change is invalidated, loads again the entries it made a miss that this
 * instance's clients read most, so that readers meet a fresh entry instead of each hot
 * key's first reader paying a miss. Without it, every invalidated hot entry is loaded by
 * a reader a few milliseconds later all the same; with it, the loads start at once and a
 * reader that arrives meanwhile joins the load already running.
 * <p>
 * The entries this instance served are kept with their loader and how often they were
 * read since they were last loaded again, bounded in number and forgotten when nobody
 * asks for them. A change picks at most {@code entriesPerChange} of those it made a miss
 * that were read since, hottest first; they wait in one queue, each entry at most once,
 * and at most {@code concurrency} of them load at once: a burst of changes adds to the
 * queue, never to the loads running. A reload runs exactly like a reader's miss (a stamp
 * read after the change's invalidation, the single flight, the load lease), so it serves
 * nothing older than the change, and it asks no client's admission.
 */
final class Rewarming {

	private static final Log logger = LogFactory.getLog(Rewarming.class);

	private final Cache<String, HotEntry> served;

	private final int entriesPerChange;

	private final int concurrency;

	private final BiFunction<CacheKey, Mono<?>, Mono<CacheOutcome>> reload;

	/** The scopes an entry depends on, by its key and value key: declared and learned. */
	private final BiFunction<CacheKey, String, List<String>> dependencies;

	private final CacheMetrics metrics;

	/** Entries to load again, by value key; guarded by {@code this}. */
	private final Map<String, HotEntry> queued = new LinkedHashMap<>();

	/** Whether a drain of {@link #queued} runs; guarded by {@code this}. */
	private boolean draining;

	Rewarming(int entriesPerChange, int concurrency, int maxServed, Duration forgetAfter,
			BiFunction<CacheKey, Mono<?>, Mono<CacheOutcome>> reload,
			BiFunction<CacheKey, String, List<String>> dependencies, CacheMetrics metrics) {
		this.entriesPerChange = entriesPerChange;
		this.concurrency = concurrency;
		this.reload = reload;
		this.dependencies = dependencies;
		this.metrics = metrics;
		this.served = Caffeine.newBuilder().maximumSize(maxServed).expireAfterAccess(forgetAfter).build();
	}

	boolean enabled() {
		return this.entriesPerChange > 0;
	}

	/** Remembers how to load {@code key} again, from a request that could load it. */
	void loadable(String valueKey, CacheKey key, Mono<?> loader) {
		if (enabled()) {
			this.served.get(valueKey, (ignored) -> new HotEntry(valueKey, key, loader));
		}
	}

	/** Counts a read of the entry under {@code valueKey}. */
	void read(String valueKey) {
		if (enabled()) {
			HotEntry entry = this.served.getIfPresent(valueKey);
			if (entry != null) {
				entry.reads.incrementAndGet();
			}
		}
	}

	/**
	 * Queues the hottest entries {@code scopes} made a miss for loading again, once their
	 * invalidation is confirmed.
	 */
	void changed(Collection<String> scopes) {
		if (!enabled()) {
			return;
		}
		boolean everything = scopes.contains(Generations.EVERYTHING);
		// Reads go on being counted meanwhile: sorted by a snapshot of them, since a sort
		// needs its order to hold still.
		List<Read> affected = new ArrayList<>();
		for (HotEntry entry : this.served.asMap().values()) {
			long reads = entry.reads.get();
			if (reads > 0 && (everything
					|| !Collections.disjoint(this.dependencies.apply(entry.key, entry.valueKey), scopes))) {
				affected.add(new Read(entry, reads));
			}
		}
		affected.sort(Comparator.comparingLong(Read::reads).reversed());
		boolean start;
		synchronized (this) {
			for (Read hottest : affected.subList(0, Math.min(affected.size(), this.entriesPerChange))) {
				hottest.entry().reads.set(0);
				this.queued.putIfAbsent(hottest.entry().valueKey, hottest.entry());
			}
			start = !this.draining && !this.queued.isEmpty();
			this.draining |= start;
		}
		if (start) {
			drain().subscribe(null, (ex) -> {
				synchronized (this) {
					this.draining = false;
				}
				logger.warn("Loading invalidated entries again stopped", ex);
			});
		}
	}

	/** Loads the queued entries, and those queued meanwhile, until none is left. */
	private Mono<Void> drain() {
		List<HotEntry> batch;
		synchronized (this) {
			batch = List.copyOf(this.queued.values());
			this.queued.clear();
			this.draining = !batch.isEmpty();
		}
		if (batch.isEmpty()) {
			return Mono.empty();
		}
		return Flux.fromIterable(batch).flatMap(this::loadAgain, this.concurrency).then(Mono.defer(this::drain));
	}

	private Mono<Void> loadAgain(HotEntry entry) {
		return this.reload.apply(entry.key, entry.loader)
			.doOnNext((outcome) -> this.metrics.rewarmed(outcome))
			.onErrorResume((ex) -> !(ex instanceof Error), (ex) -> {
				this.metrics.rewarmFailed();
				logger.debug("Could not load " + entry.key + " again after a change", ex);
				return Mono.empty();
			})
			.then();
	}

	/** An entry and its reads, as a change found them. */
	private record Read(HotEntry entry, long reads) {

	}

	/**
	 * An entry this instance served: how to load it, and its reads since its last load.
	 */
	private static final class HotEntry {

		final String valueKey;

		final CacheKey key;

		final Mono<?> loader;

		final AtomicLong reads = new AtomicLong();

		HotEntry(String valueKey, CacheKey key, Mono<?> loader) {
			this.valueKey = valueKey;
			this.key = key;
			this.loader = loader;
		}

	}

}
