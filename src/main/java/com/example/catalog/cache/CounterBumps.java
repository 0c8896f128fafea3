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
 * Sends a change's increments: one script per cluster slot, applied once per change (its
 * marker), and, where stamps are held, the shared slot's script also publishes the
 * change's notice and answers who holds leases ({@link InvalidationNotices.Holders}).
 */
@SuppressWarnings("rawtypes")
final class CounterBumps {

	/**
	 * KEYS[1] is the change's marker, then its counters; ARGV: marker TTL, seed, counter
	 * TTL (milliseconds), whether the change is reported ({@code 1}) rather than made by
	 * this call's writer ({@code 0}). Increments the counters once per marker. Where
	 * stamps are held, the shared slot's call also names the holders' registry as its
	 * last key (field: instance, value: end of its lease, Redis time in ms;
	 * {@code ~born}: when the registry was created) and passes the lease (ms), the
	 * channel and the notice: the script then publishes the notice and answers how long
	 * holders may be unknown for (the registry is younger than a lease: Redis lost it, or
	 * never had it), then each holder's lease left. A writer's call publishes even when
	 * the change was applied before (by its own earlier call whose reply was lost, or by
	 * a report that came first): its answer to its client waits for the holders' drops. A
	 * report of a change already applied publishes nothing and answers nobody to wait
	 * for: whoever applied it did both.
	 */
	private static final RedisScript<List> BUMP = RedisScript.of(CounterKeys.LUA_NOW + """
			local notifying = #ARGV > 4
			local last = notifying and #KEYS - 1 or #KEYS
			local applied = redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[1])
			if applied then
			  for i = 2, last do
			    if redis.call('exists', KEYS[i]) == 1 then redis.call('incr', KEYS[i])
			    else redis.call('set', KEYS[i], ARGV[2]) end
			    redis.call('pexpire', KEYS[i], ARGV[3])
			  end
			end
			if not notifying then return {} end
			if not applied and ARGV[4] == '1' then return {0} end
			local registry = KEYS[#KEYS]
			local born = tonumber(redis.call('hget', registry, '~born'))
			if not born then
			  born = now
			  redis.call('hset', registry, '~born', now)
			end
			local answer = {math.max(0, born + tonumber(ARGV[5]) - now)}
			local fields = redis.call('hgetall', registry)
			for i = 1, #fields, 2 do
			  if fields[i] ~= '~born' then
			    local left = tonumber(fields[i + 1]) - now
			    if left > 0 then
			      answer[#answer + 1] = fields[i]
			      answer[#answer + 1] = left
			    else redis.call('hdel', registry, fields[i]) end
			  end
			end
			redis.call('publish', ARGV[6], ARGV[7])
			return answer
			""", List.class);

	/** How long a change's marker is kept: longer than any retry of it can come. */
	private static final Duration MARKER_TTL = Duration.ofMinutes(10);

	private final GuardedRedis redis;

	private final CounterKeys keys;

	private final Duration counterTtl;

	private final HeldStamps held;

	/** Null when stamps are not held. */
	private final InvalidationNotices notices;

	CounterBumps(GuardedRedis redis, CounterKeys keys, Duration counterTtl, HeldStamps held,
			InvalidationNotices notices) {
		this.redis = redis;
		this.keys = keys;
		this.counterTtl = counterTtl;
		this.held = held;
		this.notices = notices;
	}

	/**
	 * Sends the change's scripts together, each with {@code timeout}. Where stamps are
	 * held, the shared slot's reply drops this instance's own held stamps of the changed
	 * counters, since a read of them may have crossed the change.
	 */
	Mono<InvalidationNotices.Holders> apply(CounterChange change, Duration timeout, String nonce, boolean reported) {
		List<byte[]> args = List.of(CounterKeys.ascii(MARKER_TTL.toMillis()), this.keys.seed(),
				CounterKeys.ascii(this.counterTtl.toMillis()), CounterKeys.ascii(reported ? 1 : 0));
		return Flux.fromIterable(change.slots()).flatMap((slot) -> {
			boolean notifying = this.notices != null && this.keys.isShared(slot.counters().get(0));
			List<String> keys = new ArrayList<>(slot.counters().size() + 2);
			keys.add(slot.marker());
			keys.addAll(slot.counters());
			List<byte[]> slotArgs = args;
			if (notifying) {
				keys.add(this.keys.registry());
				slotArgs = new ArrayList<>(args);
				slotArgs.add(CounterKeys.ascii(this.held.lease().toMillis()));
				slotArgs.add(CounterKeys.utf8(this.notices.channel()));
				slotArgs.add(CounterKeys.utf8(this.notices.notice(nonce, slot.counters())));
			}
			List<byte[]> scriptArgs = slotArgs;
			Mono<List> bumped = this.redis.callUnbroken("EVAL bump", timeout,
					(redis) -> redis.execute(BUMP, keys, scriptArgs).next());
			return notifying ? bumped.doOnNext((answer) -> this.held.drop(slot.counters())).map(CounterBumps::holders)
					: bumped.then(Mono.<InvalidationNotices.Holders>empty());
		}).last(InvalidationNotices.Holders.NONE);
	}

	private static InvalidationNotices.Holders holders(List<?> answer) {
		Map<String, Long> leaseLeft = new HashMap<>();
		for (int i = 1; i + 1 < answer.size(); i += 2) {
			leaseLeft.put(new String((byte[]) answer.get(i), StandardCharsets.UTF_8), (Long) answer.get(i + 1));
		}
		return new InvalidationNotices.Holders((Long) answer.get(0), leaseLeft);
	}

}
