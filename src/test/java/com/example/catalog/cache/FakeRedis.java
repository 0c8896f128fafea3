package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;

import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.ReactiveValueOperations;
import org.springframework.data.redis.core.script.RedisScript;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyCollection;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * An in-memory stand-in for the few value commands the cache uses, behind Mockito mocks
 * of {@link ReactiveRedisTemplate} and {@link ReactiveValueOperations}. Every command is
 * lazy (runs on subscription, like the real template), counted, and can be made to fail
 * or hang.
 */
final class FakeRedis {

	final Map<String, byte[]> store = new ConcurrentHashMap<>();

	/** The TTL of every successful {@code SET key value ttl}, in order. */
	final List<Duration> setTtls = new CopyOnWriteArrayList<>();

	private final Map<String, AtomicInteger> commandCounts = new ConcurrentHashMap<>();

	private final Map<String, Supplier<Mono<?>>> faults = new ConcurrentHashMap<>();

	final ReactiveRedisTemplate<String, byte[]> template;

	final ReactiveValueOperations<String, byte[]> ops;

	@SuppressWarnings("unchecked")
	FakeRedis() {
		this.template = mock(ReactiveRedisTemplate.class);
		this.ops = mock(ReactiveValueOperations.class);
		given(this.template.opsForValue()).willReturn(this.ops);
		given(this.ops.get(any())).willAnswer((invocation) -> {
			String key = invocation.getArgument(0);
			return command("GET", () -> Mono.justOrEmpty(this.store.get(key)));
		});
		given(this.ops.set(anyString(), any(byte[].class), any(Duration.class))).willAnswer((invocation) -> {
			String key = invocation.getArgument(0);
			byte[] value = invocation.getArgument(1);
			Duration ttl = invocation.getArgument(2);
			return command("SET", () -> {
				this.store.put(key, value);
				this.setTtls.add(ttl);
				return Mono.just(true);
			});
		});
		given(this.ops.multiGet(anyCollection())).willAnswer((invocation) -> {
			Collection<String> keys = invocation.getArgument(0);
			return command("MGET", () -> {
				List<byte[]> values = new ArrayList<>();
				keys.forEach((key) -> values.add(this.store.get(key)));
				return Mono.just(values);
			});
		});
		given(this.ops.setIfAbsent(anyString(), any(byte[].class))).willAnswer((invocation) -> {
			String key = invocation.getArgument(0);
			byte[] value = invocation.getArgument(1);
			return command("SETNX", () -> Mono.just(this.store.putIfAbsent(key, value) == null));
		});
		given(this.ops.setIfAbsent(anyString(), any(byte[].class), any(Duration.class))).willAnswer((invocation) -> {
			String key = invocation.getArgument(0);
			byte[] value = invocation.getArgument(1);
			return command("LEASE", () -> Mono.just(this.store.putIfAbsent(key, value) == null));
		});
		given(this.template.execute(any(RedisScript.class), anyList(), anyList())).willAnswer((invocation) -> {
			RedisScript<?> script = invocation.getArgument(0);
			List<String> keys = invocation.getArgument(1);
			List<?> args = invocation.getArgument(2);
			String text = script.getScriptAsString();
			if (text.contains("'hsetnx'")) {
				return command("HELD READ", () -> Mono.just((Object) seed(keys.subList(1, keys.size()), args))).flux();
			}
			if (text.contains("'incr'")) {
				// A notifying bump (more than four arguments) names the registry of
				// holders last; nobody is registered to hold here, nobody is waited for.
				boolean notifying = args.size() > 4;
				return command("BUMP", () -> {
					bump(notifying ? keys.subList(0, keys.size() - 1) : keys, args);
					return Mono.just((Object) (notifying ? List.of(0L) : List.of()));
				}).flux();
			}
			if (text.contains("'mget'")) {
				return command("SEED", () -> Mono.just((Object) seed(keys, args))).flux();
			}
			return command("RELEASE", () -> {
				byte[] held = this.store.get(keys.get(0));
				boolean mine = held != null && java.util.Arrays.equals(held, (byte[]) args.get(0));
				if (mine) {
					this.store.remove(keys.get(0));
				}
				return Mono.just(mine ? 1L : 0L);
			}).flux();
		});
		given(this.ops.increment(anyString())).willAnswer((invocation) -> {
			String key = invocation.getArgument(0);
			return command("INCR", () -> {
				byte[] updated = this.store.merge(key, ascii(1), (old, one) -> ascii(asLong(old) + 1));
				return Mono.just(asLong(updated));
			});
		});
	}

	/**
	 * What the bump script does: once per marker (KEYS[1]), increment or seed KEYS[2..].
	 */
	private synchronized void bump(List<String> keys, List<?> args) {
		if (this.store.putIfAbsent(keys.get(0), ascii(1)) != null) {
			return;
		}
		byte[] seed = (byte[]) args.get(1);
		for (String counter : keys.subList(1, keys.size())) {
			this.store.merge(counter, seed, (old, ignored) -> ascii(asLong(old) + 1));
		}
	}

	/** What the seed script does: create the missing counters, then read them all. */
	private synchronized List<byte[]> seed(List<String> keys, List<?> args) {
		List<byte[]> values = new ArrayList<>();
		for (String counter : keys) {
			values.add(this.store.computeIfAbsent(counter, (ignored) -> (byte[]) args.get(0)));
		}
		return values;
	}

	/** Makes every later {@code command} fail like a dropped connection. */
	void fail(String command) {
		this.faults.put(command, () -> Mono.error(new RedisConnectionFailureException("Redis is down")));
	}

	/**
	 * Makes every later read of generation counters fail: an {@code MGET} of known
	 * counters, or the seed script that reads new ones.
	 */
	void failGenerationReads() {
		fail("MGET");
		fail("SEED");
	}

	/** Makes every later read of generation counters never answer. */
	void hangGenerationReads() {
		hang("MGET");
		hang("SEED");
	}

	/** Reads of generation counters so far, whichever command they took. */
	int generationReads() {
		return count("MGET") + count("SEED");
	}

	/** Makes every later {@code command} never answer. */
	void hang(String command) {
		this.faults.put(command, Mono::never);
	}

	/**
	 * Makes the next {@code times} calls of {@code command} fail, and later ones succeed.
	 */
	void failNext(String command, int times) {
		AtomicInteger left = new AtomicInteger(times);
		this.faults.put(command, () -> (left.getAndDecrement() > 0)
				? Mono.error(new RedisConnectionFailureException("Redis is down")) : null);
	}

	/** Makes every later {@code command} answer only after {@code delay}. */
	void delay(String command, Duration delay) {
		this.faults.put(command, () -> Mono.delay(delay).then(Mono.empty()));
	}

	void heal() {
		this.faults.clear();
	}

	int count(String command) {
		AtomicInteger count = this.commandCounts.get(command);
		return (count != null) ? count.get() : 0;
	}

	String string(String key) {
		byte[] value = this.store.get(key);
		return (value != null) ? new String(value, StandardCharsets.US_ASCII) : null;
	}

	@SuppressWarnings("unchecked")
	private <T> Mono<T> command(String name, Supplier<Mono<T>> action) {
		return Mono.defer(() -> {
			this.commandCounts.computeIfAbsent(name, (ignored) -> new AtomicInteger()).incrementAndGet();
			Supplier<Mono<?>> fault = this.faults.get(name);
			Mono<T> faulty = (fault != null) ? (Mono<T>) fault.get() : null;
			return (faulty != null) ? faulty.switchIfEmpty(Mono.defer(action)) : action.get();
		});
	}

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

	private static long asLong(byte[] value) {
		return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
	}

}
