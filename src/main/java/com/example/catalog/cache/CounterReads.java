package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * Reads the generation counters of a set of scopes into a stamp, creating the missing
 * ones; where stamps are held, a set of shared counters is read under a lease and its
 * stamp kept in its {@link ScopeCounters} (see {@link HeldStamps}).
 */
final class CounterReads {

	/** Creates the missing counters (ARGV: seed, counter TTL) and returns all values. */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> SEED = RedisScript.of("""
			for i = 1, #KEYS do redis.call('set', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) end
			return redis.call('mget', unpack(KEYS))
			""", List.class);

	/**
	 * The seed script's read under a lease: registers this instance as a holder until a
	 * lease from now (Redis time), creating the registry's birth mark if it is missing,
	 * then creates the missing counters and reads them all. KEYS[1] is the registry, the
	 * rest the counters; ARGV: seed, counter TTL, lease (ms), this instance's id.
	 */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> HELD_READ = RedisScript.of(CounterKeys.LUA_NOW + """
			redis.call('hsetnx', KEYS[1], '~born', now)
			redis.call('hset', KEYS[1], ARGV[4], now + tonumber(ARGV[3]))
			local counters = {}
			for i = 2, #KEYS do
			  redis.call('set', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2])
			  counters[#counters + 1] = KEYS[i]
			end
			return redis.call('mget', unpack(counters))
			""", List.class);

	private final GuardedRedis redis;

	private final CounterKeys keys;

	private final Duration counterTtl;

	private final HeldStamps held;

	/** Who registers as a holder; null when stamps are not held. */
	private final String instanceId;

	CounterReads(GuardedRedis redis, CounterKeys keys, Duration counterTtl, HeldStamps held, String instanceId) {
		this.redis = redis;
		this.keys = keys;
		this.counterTtl = counterTtl;
		this.held = held;
		this.instanceId = instanceId;
	}

	/**
	 * Reads the counters, creating the missing ones. The first read of a set of counters
	 * in this instance sends the seed script straight away, which costs the same round
	 * trip as an {@code MGET}: such a set is often new to Redis too (the counter of a
	 * range of items nobody read or changed within the counters' TTL, on a large
	 * catalog), and an {@code MGET} would then cost a miss two round trips instead of
	 * one.
	 */
	Mono<String> read(ScopeCounters counters) {
		if (counters.holdable() && this.held.holding()) {
			return readHeld(counters);
		}
		if (!counters.seenInRedis()) {
			return seedMissing(counters.keys()).doOnNext((values) -> counters.seenInRedis(true))
				.map(CounterReads::stampOf);
		}
		return this.redis.call("MGET", (redis) -> redis.opsForValue().multiGet(counters.keys()))
			.flatMap((values) -> values.contains(null) ? seedMissing(counters.keys()) : Mono.just(values))
			.map(CounterReads::stampOf);
	}

	/**
	 * The seed script's read under a lease; its stamp is held unless a drop came
	 * meanwhile.
	 */
	@SuppressWarnings("unchecked")
	private Mono<String> readHeld(ScopeCounters counters) {
		return Mono.defer(() -> {
			HeldStamps.Reading reading = this.held.reading();
			List<String> keys = new ArrayList<>(counters.keys().size() + 1);
			keys.add(this.keys.registry());
			keys.addAll(counters.keys());
			List<byte[]> args = List.of(this.keys.seed(), CounterKeys.ascii(this.counterTtl.toMillis()),
					CounterKeys.ascii(this.held.lease().toMillis()), CounterKeys.utf8(this.instanceId));
			return this.redis.call("EVAL held read", (redis) -> redis.execute(HELD_READ, keys, args).next())
				.map((values) -> stampOf((List<byte[]>) values))
				.doOnNext((stamp) -> counters.held(this.held.hold(stamp, counters.keys(), reading)));
		});
	}

	/** Creates the missing counters, one script per cluster slot, and reads them all. */
	@SuppressWarnings("unchecked")
	private Mono<List<byte[]>> seedMissing(List<String> counters) {
		List<byte[]> args = List.of(this.keys.seed(), CounterKeys.ascii(this.counterTtl.toMillis()));
		return Flux.fromIterable(CounterKeys.bySlot(counters).values())
			.concatMap((slot) -> this.redis.call("EVAL seed", (redis) -> redis.execute(SEED, slot, args).next())
				.map((values) -> zip(slot, (List<byte[]>) values)))
			.collectList()
			.map((parts) -> {
				Map<String, byte[]> values = new HashMap<>();
				parts.forEach(values::putAll);
				List<byte[]> ordered = new ArrayList<>(counters.size());
				counters.forEach((counter) -> ordered.add(values.get(counter)));
				return ordered;
			});
	}

	private static Map<String, byte[]> zip(List<String> keys, List<byte[]> values) {
		Map<String, byte[]> zipped = new HashMap<>();
		for (int i = 0; i < keys.size(); i++) {
			zipped.put(keys.get(i), values.get(i));
		}
		return zipped;
	}

	private static String stampOf(List<byte[]> values) {
		StringBuilder stamp = new StringBuilder();
		for (byte[] value : values) {
			if (value == null) {
				throw new CacheUnavailableException("Generation counter vanished", null);
			}
			stamp.append((stamp.length() > 0) ? "." : "").append(new String(value, StandardCharsets.US_ASCII));
		}
		return stamp.toString();
	}

}
