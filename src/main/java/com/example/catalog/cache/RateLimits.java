package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * Token buckets by client, one per client across all instances: the bucket is a Redis
 * hash that a script refills by the time elapsed (Redis's clock, so instances' clocks do
 * not matter) and takes a token from, atomically. When Redis is unavailable a client's
 * tokens come from a bucket of this instance instead: a limit still holds (per instance),
 * it just is not shared until Redis is back.
 * <p>
 * The domain decides what costs a token (loads from the database, writes) and who the
 * client is; this class knows neither.
 */
public final class RateLimits {

	/**
	 * Tokens are kept in thousandths so that the reply, a Redis integer, loses nothing
	 * that matters.
	 */
	private static final RedisScript<List> TAKE = RedisScript.of("""
			local rate = tonumber(ARGV[1])
			local burst = tonumber(ARGV[2])
			local time = redis.call('TIME')
			local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
			local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
			local tokens = tonumber(state[1]) or burst
			local at = tonumber(state[2]) or now
			tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
			local allowed = 0
			if tokens >= 1 then
			  tokens = tokens - 1
			  allowed = 1
			end
			redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
			redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
			return { allowed, math.floor(tokens * 1000) }
			""", List.class);

	private final GuardedRedis redis;

	private final String keyPrefix;

	private final double rate;

	private final long burst;

	private final Clock clock;

	private final Cache<String, LocalBucket> localBuckets;

	/** Clients refused by Redis, until their bucket's next token (epoch millis). */
	private final Cache<String, Refusal> refusals;

	RateLimits(GuardedRedis redis, String keyPrefix, double perSecond, long burst, Clock clock) {
		this.redis = redis;
		this.keyPrefix = keyPrefix;
		this.rate = perSecond;
		this.burst = burst;
		this.clock = clock;
		// A bucket left alone for this long is full again: forgetting it changes nothing.
		long refillMillis = (long) Math.ceil(burst * 1000 / perSecond);
		this.localBuckets = Caffeine.newBuilder()
			.maximumSize(100_000)
			.expireAfterAccess(refillMillis + 1000, TimeUnit.MILLISECONDS)
			.build();
		this.refusals = Caffeine.newBuilder()
			.maximumSize(100_000)
			.expireAfterWrite((long) Math.ceil(1000 / perSecond) + 1000, TimeUnit.MILLISECONDS)
			.build();
	}

	/** Takes one token from the client's bucket, if it holds one. */
	public Mono<Allowance> take(String client) {
		Allowance refused = remembered(client);
		if (refused != null) {
			return Mono.just(refused);
		}
		String key = "{" + this.keyPrefix + ":limit:" + CacheKey.digest(client) + "}";
		return this.redis
			.call("EVAL limit",
					(template) -> template.execute(TAKE, List.of(key),
							List.of(bytes(Double.toString(this.rate)), bytes(Long.toString(this.burst))))
						.next())
			.map((reply) -> fromRedis(client, ((Number) reply.get(0)).longValue() == 1,
					((Number) reply.get(1)).longValue() / 1000.0))
			.onErrorResume(CacheUnavailableException.class,
					(ex) -> Mono.fromSupplier(() -> this.localBuckets
						.get(client, (ignored) -> new LocalBucket(this.burst, this.clock.millis()))
						.take(this.rate, this.burst, this.clock.millis())));
	}

	/**
	 * The refusal Redis last gave the client, while its bucket cannot have refilled a
	 * token since, or {@code null}: {@link #take} would answer it without asking Redis.
	 */
	public Allowance remembered(String client) {
		Refusal refusal = this.refusals.getIfPresent(client);
		if (refusal == null) {
			return null;
		}
		double tokens = refusal.tokensAt(this.clock.millis(), this.rate);
		return (tokens < 1) ? allowance(false, tokens) : null;
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	/** The policy every bucket follows, for the {@code RateLimit-Policy} header. */
	public long burst() {
		return this.burst;
	}

	/** Seconds an empty bucket takes to fill: the policy's window. */
	public long windowSeconds() {
		return Math.max(1, (long) Math.ceil(this.burst / this.rate));
	}

	/**
	 * Measured from when the reply arrived, after Redis took its time: the remembered
	 * refusal ends a round trip later than the bucket's, never earlier.
	 */
	private Allowance fromRedis(String client, boolean allowed, double tokensLeft) {
		if (!allowed) {
			this.refusals.put(client, new Refusal(tokensLeft, this.clock.millis()));
		}
		return allowance(allowed, tokensLeft);
	}

	private Allowance allowance(boolean allowed, double tokensLeft) {
		long retryAfter = allowed ? 0 : Math.max(1, (long) Math.ceil((1 - tokensLeft) / this.rate));
		long untilFull = (long) Math.ceil((this.burst - tokensLeft) / this.rate);
		return new Allowance(allowed, (long) Math.floor(tokensLeft), retryAfter, untilFull);
	}

	/**
	 * What a client's bucket said.
	 *
	 * @param allowed whether a token was taken
	 * @param remaining whole tokens left
	 * @param retryAfterSeconds when refused, how long until the next token
	 * @param untilFullSeconds how long until the bucket is full again
	 */
	public record Allowance(boolean allowed, long remaining, long retryAfterSeconds, long untilFullSeconds) {

	}

	/**
	 * What Redis said of a client's bucket when it refused it.
	 *
	 * @param tokensLeft the fraction of a token the bucket held
	 * @param atMillis when the refusal arrived
	 */
	private record Refusal(double tokensLeft, long atMillis) {

		double tokensAt(long now, double rate) {
			return this.tokensLeft + Math.max(0, now - this.atMillis) * rate / 1000;
		}

	}

	/** A bucket of this instance, for while Redis is unavailable. */
	private final class LocalBucket {

		private double tokens;

		private long at;

		LocalBucket(long tokens, long at) {
			this.tokens = tokens;
			this.at = at;
		}

		synchronized Allowance take(double rate, long burst, long now) {
			this.tokens = Math.min(burst, this.tokens + Math.max(0, now - this.at) * rate / 1000);
			this.at = now;
			boolean allowed = this.tokens >= 1;
			if (allowed) {
				this.tokens -= 1;
			}
			return allowance(allowed, this.tokens);
		}

	}

}
