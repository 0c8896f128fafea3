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
final class CounterBumps {

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

	/**
	 * The bump script for the slot of the shared counters when stamps are held: it also
	 * publishes the write's notice and answers which instances hold leases. KEYS[1] is
	 * the marker, KEYS[2] the holders' registry (field: instance, value: end of its
	 * lease, Redis time in ms; {@code ~born}: when the registry was created), the rest
	 * the counters; ARGV: marker TTL, seed, counter TTL, lease (ms), channel, notice.
	 * Answers: applied (1 or 0), how long holders may be unknown for (the registry is
	 * younger than a lease: Redis lost it, or never had it), then each holder's lease
	 * left. A repeated change publishes again: its first notice may have gone unheard.
	 */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> BUMP_AND_NOTIFY = RedisScript.of("""
			local applied = 0
			if redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
			  applied = 1
			  for i = 3, #KEYS do
			    if redis.call('exists', KEYS[i]) == 1 then redis.call('incr', KEYS[i])
			    else redis.call('set', KEYS[i], ARGV[2]) end
			    redis.call('pexpire', KEYS[i], ARGV[3])
			  end
			end
			local t = redis.call('time')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			local born = tonumber(redis.call('hget', KEYS[2], '~born'))
			if not born then
			  born = now
			  redis.call('hset', KEYS[2], '~born', now)
			end
			local answer = {applied, math.max(0, born + tonumber(ARGV[4]) - now)}
			local fields = redis.call('hgetall', KEYS[2])
			for i = 1, #fields, 2 do
			  if fields[i] ~= '~born' then
			    local left = tonumber(fields[i + 1]) - now
			    if left > 0 then
			      answer[#answer + 1] = fields[i]
			      answer[#answer + 1] = left
			    else redis.call('hdel', KEYS[2], fields[i]) end
			  end
			end
			redis.call('publish', ARGV[5], ARGV[6])
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
	 * held, the shared slot's reply drops this instance's own held stamps, since a read
	 * of them may have crossed the change.
	 */
	Mono<InvalidationNotices.Holders> apply(CounterChange change, Duration timeout, String nonce) {
		List<byte[]> args = List.of(CounterKeys.ascii(MARKER_TTL.toMillis()), this.keys.seed(),
				CounterKeys.ascii(this.counterTtl.toMillis()));
		return Flux.fromIterable(change.slots()).flatMap((slot) -> {
			List<String> keys = new ArrayList<>(slot.counters().size() + 2);
			keys.add(slot.marker());
			if (this.notices == null || !this.keys.isShared(slot.counters().get(0))) {
				keys.addAll(slot.counters());
				return this.redis.callUnbroken("EVAL bump", timeout, (redis) -> redis.execute(BUMP, keys, args).then())
					.then(Mono.<InvalidationNotices.Holders>empty());
			}
			keys.add(this.keys.registry());
			keys.addAll(slot.counters());
			List<byte[]> notifying = new ArrayList<>(args);
			notifying.add(CounterKeys.ascii(this.held.lease().toMillis()));
			notifying.add(CounterKeys.utf8(this.notices.channel()));
			notifying.add(CounterKeys.utf8(this.notices.notice(nonce)));
			return this.redis
				.callUnbroken("EVAL bump", timeout, (redis) -> redis.execute(BUMP_AND_NOTIFY, keys, notifying).next())
				.doOnNext((answer) -> this.held.drop())
				.map(CounterBumps::holders);
		}).last(InvalidationNotices.Holders.NONE);
	}

	private static InvalidationNotices.Holders holders(List<?> answer) {
		Map<String, Long> leaseLeft = new HashMap<>();
		for (int i = 2; i + 1 < answer.size(); i += 2) {
			leaseLeft.put(new String((byte[]) answer.get(i), StandardCharsets.UTF_8), (Long) answer.get(i + 1));
		}
		return new InvalidationNotices.Holders(((Long) answer.get(0)) == 1, (Long) answer.get(1), leaseLeft);
	}

}
