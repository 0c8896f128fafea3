package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the generation counters live in Redis: their keys, the cluster slot each is in,
 * the markers of changes, the registry of instances holding stamps, and the value a new
 * counter starts at.
 */
final class CounterKeys {

	/**
	 * The start of a script that needs the time by Redis's clock: {@code now}, in
	 * milliseconds. Scripts take it from {@code TIME}, never from their caller, so that
	 * leases and the registry's birth are measured by one clock.
	 */
	static final String LUA_NOW = """
			local t = redis.call('time')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			""";

	private final String prefix;

	private final Clock clock;

	/** How the key of every counter in the shared slot begins. */
	private final String sharedCounterPrefix;

	CounterKeys(String prefix, Clock clock) {
		this.prefix = prefix;
		this.clock = clock;
		this.sharedCounterPrefix = prefix + ":gen:{" + prefix + "}:";
	}

	/**
	 * The counters of an entry that depends on {@code scopes}: theirs and everything's.
	 */
	List<String> of(List<String> scopes) {
		List<String> counters = new ArrayList<>(scopes.size() + 1);
		counters.add(counterKey(Generations.EVERYTHING));
		for (String scope : scopes) {
			counters.add(counterKey(scope));
		}
		return counters;
	}

	/**
	 * Whether a counter lives in the slot of the shared scopes, where the registry of
	 * holders is kept.
	 */
	boolean isShared(String counterKey) {
		return counterKey.startsWith(this.sharedCounterPrefix);
	}

	/** The instances holding stamps of shared counters, in the shared slot. */
	String registry() {
		return registry(this.prefix);
	}

	static String registry(String prefix) {
		return prefix + ":holders:{" + prefix + "}";
	}

	/** The increments of a change, by slot, each with the change's marker there. */
	CounterChange change(Collection<String> scopes, String changeId) {
		TreeSet<String> counters = new TreeSet<>();
		for (String scope : scopes) {
			counters.add(counterKey(scope));
		}
		List<CounterChange.Slot> slots = new ArrayList<>();
		bySlot(counters).forEach((tag, slotCounters) -> {
			// Same change, same scopes: same marker, wherever the increment comes from.
			String marker = this.prefix + ":chg:{" + tag + "}:"
					+ CacheKey.digest(changeId + "\n" + String.join("\n", slotCounters)).substring(0, 32);
			slots.add(new CounterChange.Slot(marker, List.copyOf(slotCounters)));
		});
		return new CounterChange(CacheKey.digest(changeId + "\n" + slots), List.copyOf(slots));
	}

	/**
	 * Counter keys grouped by their cluster slot (the hash tag between the braces), in a
	 * stable order of slots and, within one, of the keys given.
	 */
	static Map<String, List<String>> bySlot(Collection<String> counterKeys) {
		Map<String, List<String>> bySlot = new TreeMap<>();
		for (String key : counterKeys) {
			bySlot.computeIfAbsent(key.substring(key.indexOf('{') + 1, key.indexOf('}')), (tag) -> new ArrayList<>())
				.add(key);
		}
		return bySlot;
	}

	private String counterKey(String scope) {
		return this.prefix + ":gen:{" + hashTag(scope) + "}:" + scope;
	}

	/**
	 * Where a scope's counter lives in a Redis Cluster (the braces of its key are a hash
	 * tag). The shared scopes, bounded in number, share one slot, so that one script
	 * bumps all that a change to the catalog touches; each principal's counter has a slot
	 * of its own, so that millions of principals spread over the cluster. A request reads
	 * its counters with one {@code MGET}, which Lettuce splits by slot on a cluster.
	 */
	private String hashTag(String scope) {
		return scope.startsWith(CacheKey.PRINCIPAL_SCOPE_PREFIX) ? this.prefix + ":" + scope : this.prefix;
	}

	/**
	 * A new counter's value: derived from the clock, so that a counter lost with Redis
	 * never comes back with a value old entries were stamped with.
	 */
	byte[] seed() {
		return ascii(this.clock.millis() * 1000 + ThreadLocalRandom.current().nextInt(1000));
	}

	static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

	static byte[] utf8(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
