package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The short Redis lease that keeps a load to one instance: the holder loads, the others
 * wait for its value. The lease is a {@code SET NX PX} with a token of its own, released
 * only by its holder; a holder that dies leaves it to expire.
 */
final class LoadLease {

	/** Deletes the lease only if this instance still holds it. */
	private static final RedisScript<Long> RELEASE = RedisScript.of(
			"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
			Long.class);

	private final GuardedRedis redis;

	private final Duration ttl;

	LoadLease(GuardedRedis redis, Duration ttl) {
		this.redis = redis;
		this.ttl = ttl;
	}

	Duration ttl() {
		return this.ttl;
	}

	/**
	 * Runs {@code work} holding the lease for this key and stamp and releases it
	 * afterwards (after a Redis failure the lease is left to expire); runs
	 * {@code whenHeldElsewhere} when another instance holds it. {@code work} is handed
	 * the lease's release, so that it can send it together with its last command (the
	 * store): Lettuce writes both at once on its one connection, and they cost one round
	 * trip instead of two. The release is sent once at most; whatever way the work ends
	 * without having sent it (a value, an empty completion, a failure other than
	 * Redis's), it is sent then.
	 */
	<T> Mono<T> underLease(String valueKey, String stamp, Function<Mono<Void>, Mono<T>> work,
			Mono<T> whenHeldElsewhere) {
		return underLease(valueKey, stamp, Mono.empty(), Mono.empty(), (ignored, release) -> work.apply(release),
				(ignored) -> whenHeldElsewhere);
	}

	/**
	 * Like {@link #underLease(String, String, Function, Mono)}, with {@code sentAlong} (a
	 * read) sent together with the attempt to take the lease, in one round trip, and its
	 * value, if any, handed to whichever of {@code work} and {@code whenHeldElsewhere}
	 * runs. {@code admission} (a client's limit, say) is asked in that same round trip,
	 * and nothing runs unless it admits: its failure is the answer, after the lease, if
	 * it was taken, has been released. An admission that refuses at once (a refusal
	 * remembered in memory) sends neither the attempt nor {@code sentAlong}.
	 */
	<S, T> Mono<T> underLease(String valueKey, String stamp, Mono<Void> admission, Mono<S> sentAlong,
			BiFunction<Optional<S>, Mono<Void>, Mono<T>> work, Function<Optional<S>, Mono<T>> whenHeldElsewhere) {
		String leaseKey = valueKey + ":lease:" + stamp;
		byte[] token = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
		AtomicReference<Throwable> refusal = new AtomicReference<>();
		Mono<Boolean> admitted = admission.thenReturn(Boolean.TRUE).onErrorResume((ex) -> {
			refusal.set(ex);
			return Mono.just(Boolean.FALSE);
		});
		// zip subscribes in order: a refusal known at once is set before these are sent.
		Mono<Boolean> take = Mono.defer(() -> (refusal.get() != null) ? Mono.just(Boolean.FALSE)
				: this.redis.call("SET NX", (redis) -> redis.opsForValue().setIfAbsent(leaseKey, token, this.ttl)));
		Mono<Optional<S>> along = Mono.defer(() -> (refusal.get() != null) ? Mono.just(Optional.<S>empty())
				: sentAlong.map(Optional::of).defaultIfEmpty(Optional.empty()));
		return Mono.zip(admitted, take, along).flatMap((answers) -> {
			boolean taken = answers.getT2();
			if (!answers.getT1()) {
				return (taken ? release(leaseKey, token) : Mono.<Void>empty()).then(Mono.error(refusal.get()));
			}
			Optional<S> found = answers.getT3();
			if (!taken) {
				return whenHeldElsewhere.apply(found);
			}
			AtomicBoolean sent = new AtomicBoolean();
			Mono<Void> release = Mono
				.defer(() -> sent.compareAndSet(false, true) ? release(leaseKey, token) : Mono.empty());
			return work.apply(found, release)
				.flatMap((value) -> release.thenReturn(value))
				.switchIfEmpty(release.then(Mono.empty()))
				.onErrorResume((ex) -> !(ex instanceof CacheUnavailableException),
						(ex) -> release.then(Mono.error(ex)));
		});
	}

	private Mono<Void> release(String leaseKey, byte[] token) {
		return this.redis.call("EVAL", (redis) -> redis.execute(RELEASE, List.of(leaseKey), List.of(token)).then())
			.onErrorResume(CacheUnavailableException.class, (ex) -> Mono.empty());
	}

}
