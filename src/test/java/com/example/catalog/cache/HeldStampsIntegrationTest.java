package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import com.example.catalog.TestServers;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Held generations across instances: two {@link Generations} with notices of their own,
 * each on its own connections to one real Redis, stand for two instances. A write never
 * completes while another instance could still use a stamp from before it.
 */
class HeldStampsIntegrationTest {

	private static final Duration VERIFY = Duration.ofSeconds(10);

	private final String prefix = "held-test-" + UUID.randomUUID();

	private final List<Instance> instances = new ArrayList<>();

	/**
	 * A registry created long ago: one created less than a lease ago makes every write
	 * wait a whole lease (see the last test but one).
	 */
	@BeforeEach
	void registryOfLongAgo() {
		ReactiveRedisTemplate<String, byte[]> redis = instance(Duration.ofSeconds(60)).template();
		redis.opsForHash().put(registry(), "~born", "0").block(VERIFY);
	}

	@AfterEach
	void stopInstances() {
		this.instances.forEach(Instance::stop);
	}

	@Test
	void anotherInstanceUsesItsHeldStampWithoutRedisUntilAWriteNotifiesIt() {
		// A lease far longer than the test: only the notice can end it in time.
		Instance writer = instance(Duration.ofSeconds(60));
		Instance reader = instance(Duration.ofSeconds(60));
		String before = stamp(reader, "category:decor");
		// Behind the cache's back: a held stamp does not see it.
		setBehindTheCachesBack(reader, "category:decor", "42");
		assertThat(stamp(reader, "category:decor")).isEqualTo(before);
		completes(writer.generations().bump(List.of("category:decor"), "tx:1"));
		assertThat(stamp(reader, "category:decor")).isNotEqualTo(before).contains("43");
	}

	@Test
	void aWriteNotifiesTheCountersItChangedAndOtherHeldStampsStayHeld() {
		Instance writer = instance(Duration.ofSeconds(60));
		Instance reader = instance(Duration.ofSeconds(60));
		String decor = stamp(reader, "category:decor");
		String lighting = stamp(reader, "category:living room");
		setBehindTheCachesBack(reader, "category:decor", "42");
		completes(writer.generations().bump(List.of("category:living room"), "tx:1"));
		assertThat(stamp(reader, "category:living room")).isNotEqualTo(lighting);
		// Still held: the write did not touch it, so Redis is not asked.
		assertThat(stamp(reader, "category:decor")).isEqualTo(decor);
		completes(writer.generations().bump(List.of(Generations.EVERYTHING), "tx:2"));
		assertThat(stamp(reader, "category:decor")).contains("42");
	}

	@Test
	void aWriteOfMoreCountersThanANoticeNamesDropsEveryHeldStamp() {
		Instance writer = instance(Duration.ofSeconds(60));
		Instance reader = instance(Duration.ofSeconds(60));
		stamp(reader, "category:decor");
		setBehindTheCachesBack(reader, "category:decor", "42");
		List<String> manyItems = IntStream.range(0, 300).mapToObj((id) -> "item:" + id).toList();
		completes(writer.generations().bump(manyItems, "tx:1"));
		assertThat(stamp(reader, "category:decor")).contains("42");
	}

	@Test
	void aReportOfAChangeAlreadyAppliedNeitherNotifiesNorWaitsForHolders() {
		Instance writer = instance(Duration.ofSeconds(60));
		Instance reader = instance(Duration.ofSeconds(60));
		stamp(reader, "category:decor");
		completes(writer.generations().bump(List.of("category:decor"), "tx:1"));
		String afterTheChange = stamp(reader, "category:decor");
		setBehindTheCachesBack(reader, "category:decor", "42");
		// Were the report waited for, this holder would keep it a minute.
		long leaseEnd = redisTimeMillis(writer) + 60_000;
		redis(writer).opsForHash().put(registry(), "cut-off-instance", Long.toString(leaseEnd)).block(VERIFY);
		// The writer's change feed reports the write again.
		completes(writer.generations().bump(List.of("category:decor"), "tx:1", true));
		assertThat(stamp(reader, "category:decor")).isEqualTo(afterTheChange);
	}

	@Test
	void aWriterWhoseChangeWasReportedFirstStillNotifiesAndWaitsForHolders() {
		Instance writer = instance(Duration.ofSeconds(60));
		Instance reader = instance(Duration.ofSeconds(60));
		Instance feed = instance(Duration.ofSeconds(60));
		stamp(reader, "category:decor");
		// A change feed heard of the commit before the writer's own invalidation ran.
		completes(feed.generations().bump(List.of("category:decor"), "tx:1", true));
		String afterTheReport = stamp(reader, "category:decor");
		setBehindTheCachesBack(reader, "category:decor", "42");
		// The writer answers its client only once no holder can serve a page from
		// before the change, whoever applied it.
		completes(writer.generations().bump(List.of("category:decor"), "tx:1"));
		assertThat(stamp(reader, "category:decor")).isNotEqualTo(afterTheReport).contains("42");
	}

	@Test
	void aWriteWaitsOutTheLeaseOfAHolderThatDoesNotAcknowledge() {
		Instance writer = instance(Duration.ofSeconds(60));
		stamp(writer, "category:decor");
		// A holder cut off from the notices: registered, never acknowledging.
		long leaseEnd = redisTimeMillis(writer) + 1500;
		redis(writer).opsForHash().put(registry(), "cut-off-instance", Long.toString(leaseEnd)).block(VERIFY);
		completes(writer.generations().bump(List.of("category:decor"), "tx:1"));
		assertThat(redisTimeMillis(writer)).as("Redis time once the write completed").isGreaterThanOrEqualTo(leaseEnd);
		assertThat(writer.meters().get("catalog.cache.stamps.leases.waited.out").counter().count()).isEqualTo(1);
	}

	@Test
	void aWriteWaitsAWholeLeaseWhenRedisHasForgottenItsHolders() {
		Instance writer = instance(Duration.ofMillis(1500));
		Instance reader = instance(Duration.ofMillis(1500));
		stamp(reader, "category:decor");
		// Redis restarted, flushed or failed over without the registry: who holds what is
		// unknown.
		redis(writer).delete(registry()).block(VERIFY);
		long forgotten = redisTimeMillis(writer);
		completes(writer.generations().bump(List.of("category:decor"), "tx:1"));
		assertThat(redisTimeMillis(writer)).isGreaterThanOrEqualTo(forgotten + 1500);
	}

	@Test
	void anInstanceThatStartsHearingNoticesCreatesTheRegistrySoWritesNeedNotWaitForForgottenHolders() {
		Instance writer = instance(Duration.ofMillis(1500));
		redis(writer).delete(registry()).block(VERIFY);
		long beforeStart = redisTimeMillis(writer);
		Instance started = instance(Duration.ofMillis(1500));
		long born = Long.parseLong((String) redis(started).opsForHash().get(registry(), "~born").block(VERIFY));
		assertThat(born).isBetween(beforeStart, redisTimeMillis(started));
		// Not even read yet: the registry is there before the instance holds anything.
		assertThat(redis(started).opsForHash().hasKey(registry(), started.notices().instanceId()).block(VERIFY))
			.isFalse();
	}

	@Test
	void aStoppedInstanceLeavesNoLeaseForWritesToWaitOut() {
		Instance writer = instance(Duration.ofSeconds(60));
		Instance stopped = instance(Duration.ofSeconds(60));
		stamp(stopped, "category:decor");
		assertThat(redis(writer).opsForHash().hasKey(registry(), stopped.notices().instanceId()).block(VERIFY))
			.isTrue();
		completes(Mono.<Void>create((stopping) -> stopped.notices().stop(stopping::success)));
		assertThat(redis(writer).opsForHash().hasKey(registry(), stopped.notices().instanceId()).block(VERIFY))
			.isFalse();
		// It no longer hears notices: had it stayed registered, the write would wait a
		// minute.
		completes(writer.generations().bump(List.of("category:decor"), "tx:1"));
	}

	@Test
	void generationsOfAPrincipalAreNeverHeld() {
		Instance reader = instance(Duration.ofSeconds(60));
		String scope = CacheKey.PRINCIPAL_SCOPE_PREFIX + "alice";
		String before = stamp(reader, scope);
		setBehindTheCachesBack(reader, scope, "42");
		assertThat(stamp(reader, scope)).isNotEqualTo(before).endsWith(".42");
	}

	@Test
	void aWriteOfTheHolderItselfDropsItsHeldStamps() {
		Instance instance = instance(Duration.ofSeconds(60));
		String before = stamp(instance, "category:decor");
		completes(instance.generations().bump(List.of("category:decor"), "tx:1"));
		assertThat(stamp(instance, "category:decor")).isNotEqualTo(before);
	}

	private static void completes(Mono<?> work) {
		StepVerifier.create(work).expectComplete().verify(VERIFY);
	}

	/** Sets a counter in Redis as no write of the cache would: unseen by held stamps. */
	private void setBehindTheCachesBack(Instance instance, String scope, String value) {
		redis(instance).opsForValue().set(counter(scope), ascii(value)).block(VERIFY);
	}

	private String stamp(Instance instance, String scope) {
		return instance.generations().stamp(List.of(scope)).block(VERIFY);
	}

	private String counter(String scope) {
		String tag = scope.startsWith(CacheKey.PRINCIPAL_SCOPE_PREFIX) ? this.prefix + ":" + scope : this.prefix;
		return this.prefix + ":gen:{" + tag + "}:" + scope;
	}

	private String registry() {
		return this.prefix + ":holders:{" + this.prefix + "}";
	}

	private static ReactiveRedisTemplate<String, byte[]> redis(Instance instance) {
		return instance.template();
	}

	private static long redisTimeMillis(Instance instance) {
		return instance.template()
			.execute((connection) -> connection.serverCommands().time())
			.next()
			.blockOptional(VERIFY)
			.orElseThrow();
	}

	private static byte[] ascii(String value) {
		return value.getBytes(StandardCharsets.US_ASCII);
	}

	private Instance instance(Duration lease) {
		String url = (String) TestServers.serverProperties().get("spring.data.redis.url");
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				LettuceConnectionFactory.createRedisConfiguration(url));
		factory.afterPropertiesSet();
		factory.start();
		ReactiveRedisTemplate<String, byte[]> template = new ReactiveRedisTemplate<>(factory,
				RedisSerializationContext.<String, byte[]>newSerializationContext(RedisSerializer.string())
					.value(RedisSerializer.byteArray())
					.hashKey(RedisSerializer.string())
					.hashValue(RedisSerializer.string())
					.build());
		RedisConnectionGate gate = mock(RedisConnectionGate.class);
		when(gate.isOpen()).thenReturn(true);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		CacheMetrics metrics = new CacheMetrics(meters);
		GuardedRedis redis = new GuardedRedis(template, CircuitBreaker.ofDefaults("redis"), Duration.ofSeconds(2), gate,
				metrics);
		HeldStamps held = new HeldStamps(lease, Ticker.systemTicker());
		InvalidationNotices notices = new InvalidationNotices(factory, redis, held, this.prefix, Duration.ofSeconds(2),
				meters);
		notices.start();
		Generations generations = new Generations(redis, this.prefix, Duration.ofHours(3), Duration.ofSeconds(2),
				Duration.ofSeconds(2), Clock.systemUTC(), metrics, held, notices);
		Instance instance = new Instance(factory, template, redis, held, notices, generations, meters);
		this.instances.add(instance);
		await().atMost(VERIFY).until(held::holding);
		return instance;
	}

	private record Instance(LettuceConnectionFactory factory, ReactiveRedisTemplate<String, byte[]> template,
			GuardedRedis redis, HeldStamps held, InvalidationNotices notices, Generations generations,
			SimpleMeterRegistry meters) {

		void stop() {
			this.notices.stop();
			this.factory.destroy();
		}

	}

}
