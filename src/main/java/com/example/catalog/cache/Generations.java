package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The generation counters that make invalidation a matter of one increment.
 * <p>
 * Every entry depends on a few <em>scopes</em> (opaque names the features choose: an
 * item, a category's listings, one principal's favourites) and on the scope
 * {@link #EVERYTHING}. Each scope has a counter in Redis; an entry is stored with the
 * values of its counters (its stamp), and a request reads the counters before it looks up
 * or loads anything, so an entry or a load from before a write is never served after it.
 * A write increments the counters of exactly the scopes it changed, atomically.
 * <p>
 * An increment carries the change's id: the first increment for an id applies, later ones
 * (the writer's retry after a timed-out reply, the change feed of every instance hearing
 * of the same change) are confirmed without applying again.
 * <p>
 * A counter starts at a value derived from the clock, so that a counter lost with Redis
 * (or expired: counters live {@code counterTtl} past their last increment) never comes
 * back with a value old entries were stamped with.
 */
final class Generations {

	/** The scope every entry depends on: increment it and everything is a miss. */
	static final String EVERYTHING = "everything";

	/**
	 * KEYS[1] is the change's marker, the rest its counters; ARGV: marker TTL, seed,
	 * counter TTL (milliseconds). Returns 1 when this call applied the change.
	 */
	private static final RedisScript<Long> BUMP = RedisScript.of("""
			if not redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
			for i = 2, #KEYS do
			  if redis.call('exists', KEYS[i]) == 1 then redis.call('incr', KEYS[i])
			  else redis.call('set', KEYS[i], ARGV[2]) end
			  redis.call('pexpire', KEYS[i], ARGV[3])
			end
			return 1
			""", Long.class);

	/** Creates the missing counters (ARGV: seed, counter TTL) and returns all values. */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> SEED = RedisScript.of("""
			for i = 1, #KEYS do redis.call('set', KEYS[i], ARGV[1], 'NX', 'PX', ARGV[2]) end
			return redis.call('mget', unpack(KEYS))
			""", List.class);

	/** How long a change's marker is kept: longer than any retry of it can come. */
	private static final Duration MARKER_TTL = Duration.ofMinutes(10);

	private final GuardedRedis redis;

	private final String prefix;

	private final Duration counterTtl;

	private final Duration invalidationTimeout;

	private final Duration retryTimeout;

	private final Clock clock;

	private final CacheMetrics metrics;

	/**
	 * The counters of each set of scopes with their coalesced read, so that a hit builds
	 * no key names; bounded, since scopes are.
	 */
	private final Cache<List<String>, Counters> counters = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(10))
		.build();

	private final PendingChanges pending;

	Generations(GuardedRedis redis, String prefix, Duration counterTtl, Duration invalidationTimeout,
			Duration retryTimeout, Clock clock, CacheMetrics metrics) {
		this.redis = redis;
		this.prefix = prefix;
		this.counterTtl = counterTtl;
		this.invalidationTimeout = invalidationTimeout;
		this.retryTimeout = retryTimeout;
		this.pending = new PendingChanges(retryTimeout);
		this.clock = clock;
		this.metrics = metrics;
	}

	/**
	 * The stamp of an entry that depends on {@code scopes}: the values of their counters
	 * (and of {@link #EVERYTHING}'s), read by a read sent after this call, with the
	 * missing counters created. Fails with {@link CacheUnavailableException} when Redis
	 * cannot be asked, or when an unconfirmed change may have touched these scopes.
	 */
	Mono<String> stamp(List<String> scopes) {
		Counters counters = this.counters.get(scopes, (key) -> new Counters(counterKeys(key)));
		return this.pending.retryThenCheck(counters.keys(), (change) -> apply(change, this.retryTimeout))
			.then(counters.read().get())
			.map(Generations::stampOf);
	}

	/**
	 * Increments the counters of {@code scopes} once for the change {@code changeId}, and
	 * completes when Redis has confirmed it; retried within the invalidation timeout,
	 * past which it fails with {@link InvalidationUnconfirmedException} and the change is
	 * kept pending (see {@link #stamp}).
	 */
	Mono<Void> bump(Collection<String> scopes, String changeId) {
		CounterChange change = change(scopes, changeId);
		long started = System.nanoTime();
		return apply(change, this.invalidationTimeout)
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

	/** One script per cluster slot the change touches, sent together. */
	private Mono<Void> apply(CounterChange change, Duration timeout) {
		List<byte[]> args = List.of(ascii(MARKER_TTL.toMillis()), seed(), ascii(this.counterTtl.toMillis()));
		return Flux.fromIterable(change.slots()).flatMap((slot) -> {
			List<String> keys = new ArrayList<>(slot.counters().size() + 1);
			keys.add(slot.marker());
			keys.addAll(slot.counters());
			return this.redis.callUnbroken("EVAL bump", timeout, (redis) -> redis.execute(BUMP, keys, args).then());
		}).then();
	}

	private CounterChange change(Collection<String> scopes, String changeId) {
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
	 * Reads the counters, creating the missing ones. The first read of a set of counters
	 * in this instance sends the seed script straight away, which costs the same round
	 * trip as an {@code MGET}: such a set is often new to Redis too (the counter of a
	 * range of items nobody read or changed within the counters' TTL, on a large
	 * catalog), and an {@code MGET} would then cost a miss two round trips instead of
	 * one.
	 */
	private Mono<List<byte[]>> read(Counters counters) {
		if (!counters.seenInRedis) {
			return seedMissing(counters.keys).doOnNext((values) -> counters.seenInRedis = true);
		}
		return this.redis.call("MGET", (redis) -> redis.opsForValue().multiGet(counters.keys))
			.flatMap((values) -> values.contains(null) ? seedMissing(counters.keys) : Mono.just(values));
	}

	/** Creates the missing counters, one script per cluster slot, and reads them all. */
	@SuppressWarnings("unchecked")
	private Mono<List<byte[]>> seedMissing(List<String> counters) {
		List<byte[]> args = List.of(seed(), ascii(this.counterTtl.toMillis()));
		return Flux.fromIterable(bySlot(counters).values())
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

	/**
	 * Counter keys grouped by their cluster slot (the hash tag between the braces), in a
	 * stable order of slots and, within one, of the keys given.
	 */
	private static Map<String, List<String>> bySlot(Collection<String> counterKeys) {
		Map<String, List<String>> bySlot = new TreeMap<>();
		for (String key : counterKeys) {
			bySlot.computeIfAbsent(key.substring(key.indexOf('{') + 1, key.indexOf('}')), (tag) -> new ArrayList<>())
				.add(key);
		}
		return bySlot;
	}

	private static Map<String, byte[]> zip(List<String> keys, List<byte[]> values) {
		Map<String, byte[]> zipped = new HashMap<>();
		for (int i = 0; i < keys.size(); i++) {
			zipped.put(keys.get(i), values.get(i));
		}
		return zipped;
	}

	private List<String> counterKeys(List<String> scopes) {
		List<String> counters = new ArrayList<>(scopes.size() + 1);
		counters.add(counterKey(EVERYTHING));
		for (String scope : scopes) {
			counters.add(counterKey(scope));
		}
		return counters;
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

	private byte[] seed() {
		return ascii(this.clock.millis() * 1000 + ThreadLocalRandom.current().nextInt(1000));
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

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

	/** The counters of one set of scopes, and the read that coalesces their reads. */
	private final class Counters {

		private final List<String> keys;

		private final CoalescedRead<List<byte[]>> read;

		/** Whether a read of this instance found or created them all in Redis. */
		private volatile boolean seenInRedis;

		private Counters(List<String> keys) {
			this.keys = keys;
			this.read = new CoalescedRead<>(() -> Generations.this.read(this));
		}

		List<String> keys() {
			return this.keys;
		}

		CoalescedRead<List<byte[]>> read() {
			return this.read;
		}

	}

}
