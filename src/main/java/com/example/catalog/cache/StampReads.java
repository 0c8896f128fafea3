package com.example.catalog.cache;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

/**
 * What a request reads before it can look anything up: the generations of its key (its
 * {@link Stamp}) and, for a key this instance holds no entry of and is not looking up
 * already, the entry Redis holds for it, sent in the same round trip rather than after
 * the generations' answer. So a miss of a key new to this instance, and a hit of an entry
 * another instance stored, wait for one round trip before they load or answer, not two.
 * <p>
 * Where this instance holds an entry of the key, it is most likely current, and its bytes
 * need not cross the network. Concurrent requests share the entry's read, as they share a
 * load: a read sent before a request arrived may answer it, since an entry is used only
 * under the stamp the request read itself.
 */
final class StampReads {

	private final Generations generations;

	private final ContentDependencies contentDependencies;

	private final NearCache nearCache;

	private final StoredEntries storedEntries;

	private final CacheSteps steps;

	private final SingleFlight<String, StoredEntries.Stored> entryReads;

	/** Value keys being looked up or loaded, whose lookups read the entry themselves. */
	private final Set<String> lookingUp = ConcurrentHashMap.newKeySet();

	StampReads(Generations generations, ContentDependencies contentDependencies, NearCache nearCache,
			StoredEntries storedEntries, CacheSteps steps, int maxFlights) {
		this.generations = generations;
		this.contentDependencies = contentDependencies;
		this.nearCache = nearCache;
		this.storedEntries = storedEntries;
		this.steps = steps;
		this.entryReads = new SingleFlight<>(maxFlights);
	}

	/**
	 * The stamp of {@code key}, with the entry read along when {@code readEntryAlong} and
	 * it is worth it (see the class documentation).
	 */
	Mono<StampRead.Read> read(CacheKey key, String valueKey, boolean readEntryAlong) {
		ContentDependencies.Reading reading = this.contentDependencies.reading(key, valueKey);
		Mono<Stamp> stamp = this.steps.observe(CacheSteps.Step.GENERATIONS,
				this.generations.stamp(reading.scopes()).map(reading::stamp));
		if (!readEntryAlong || this.nearCache.holdsAny(valueKey) || this.lookingUp.contains(valueKey)) {
			return stamp.map((value) -> new StampRead.Read(key, value, null));
		}
		Mono<StoredEntries.Stored> stored = this.entryReads.join(valueKey, () -> this.storedEntries.read(valueKey))
			.result();
		return Mono.zip(stamp, stored, (value, entry) -> new StampRead.Read(key, value, entry));
	}

	/**
	 * {@code lookup} of the entry of {@code valueKey}, during which requests for the key
	 * read no entry along with their stamps.
	 */
	<T> Mono<T> lookingUp(String valueKey, Mono<T> lookup) {
		return Mono.defer(() -> {
			this.lookingUp.add(valueKey);
			return lookup.doFinally((signal) -> this.lookingUp.remove(valueKey));
		});
	}

}
