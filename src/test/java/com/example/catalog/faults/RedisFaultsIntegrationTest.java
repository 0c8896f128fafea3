package com.example.catalog.faults;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.IntegrationTest;
import com.example.catalog.TestServers;
import com.example.catalog.cache.CacheProperties;
import com.example.catalog.faults.FaultProxy.Mode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis failing under load, with Redis behind a {@link FaultProxy}: killed and restarted
 * (the proxy resets every connection and refuses new ones), and answering nothing (the
 * proxy black-holes it). No request may fail, the cache must get out of the way quickly,
 * health must show the degradation while the service stays up, and caching must resume by
 * itself within 5 s.
 * <p>
 * The Redis URL is a placeholder that a {@link DynamicPropertySource} resolves to the
 * proxy: an inline property, so that {@link TestServers} leaves it alone whatever the
 * order of the property sources.
 */
@FaultTest
@IntegrationTest
@TestPropertySource(
		properties = { "spring.data.redis.url=${faults.redis-proxy-url}", TestServers.NO_REDIS_CONTAINER + "=true",
				// The production timeout (application.yaml, else the CacheProperties
				// default): @IntegrationTest raises it to 2s for a loaded test machine,
				// but how quickly a silent Redis is given up on is under test here.
				"catalog.cache.redis-timeout=${faults.production-redis-timeout}" })
@DirtiesContext
class RedisFaultsIntegrationTest {

	private static final Duration RECOVERY_TARGET = Duration.ofSeconds(5);

	private static final JsonMapper json = JsonMapper.builder().build();

	private static FaultProxy proxy;

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	@Autowired
	CircuitBreaker redisCircuitBreaker;

	/** The breaker's state changes, with when they happened. */
	final List<String> transitions = new CopyOnWriteArrayList<>();

	Http http;

	List<String> urls;

	@DynamicPropertySource
	static void redisBehindTheProxy(DynamicPropertyRegistry registry) {
		registry.add("faults.redis-proxy-url",
				() -> "redis://127.0.0.1:" + proxy().port() + "/" + LocalServers.redisDatabase());
		registry.add("faults.production-redis-timeout", RedisFaultsIntegrationTest::productionRedisTimeout);
	}

	/**
	 * {@code catalog.cache.redis-timeout} as the packaged application has it: from
	 * {@code application.yaml}, or else the default of {@link CacheProperties}.
	 */
	static String productionRedisTimeout() {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("application.yaml"));
		String configured = yaml.getObject().getProperty("catalog.cache.redis-timeout");
		if (configured != null) {
			return configured;
		}
		RecordComponent[] components = CacheProperties.class.getRecordComponents();
		Constructor<?> canonical;
		try {
			canonical = CacheProperties.class.getDeclaredConstructor(
					Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException(ex);
		}
		for (int i = 0; i < components.length; i++) {
			if (components[i].getName().equals("redisTimeout")) {
				DefaultValue defaultValue = canonical.getParameters()[i].getAnnotation(DefaultValue.class);
				if (defaultValue != null && defaultValue.value().length == 1) {
					return defaultValue.value()[0];
				}
			}
		}
		throw new IllegalStateException("No default for catalog.cache.redis-timeout in CacheProperties");
	}

	static synchronized FaultProxy proxy() {
		if (proxy == null) {
			URI redis = LocalServers.redis();
			proxy = FaultProxy.to(redis.getHost(), redis.getPort());
		}
		return proxy;
	}

	@AfterAll
	static void closeProxy() {
		if (proxy != null) {
			proxy.close();
			// A rerun of a failed test (surefire) starts a context of its own,
			// which must get a live proxy.
			proxy = null;
		}
	}

	@BeforeEach
	void cachedPagesBehindAHealthyRedis() {
		assertThat(this.environment.getProperty("spring.data.redis.url"))
			.endsWith(":" + proxy().port() + "/" + LocalServers.redisDatabase());
		assertThat(this.environment.getProperty("catalog.cache.redis-timeout")).isEqualTo(productionRedisTimeout());
		proxy().mode(Mode.PASS);
		this.http = new Http(this.port);
		this.redisCircuitBreaker.getEventPublisher()
			.onStateTransition(
					(event) -> this.transitions.add(System.nanoTime() + " " + event.getStateTransition().getToState()));
		String category = "redis-faults-" + UUID.randomUUID().toString().substring(0, 8);
		this.urls = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			Http.Response created = this.http.postJson("/catalog/items",
					Http.itemJson(category + "-" + i, category, 100L * i), Http.basic("editor", "editor-secret"));
			assertThat(created.status()).as("%s", created).isEqualTo(201);
			this.urls.add("/catalog/items/" + created.id());
		}
		this.urls.add("/catalog?category=" + category);
		this.urls.add("/catalog?category=" + category + "&limit=2");
		this.urls.add("/catalog?category=" + category + "&sort=-price");
		// Caching works (a previous test may have left the breaker half-open).
		for (String url : this.urls) {
			await(url + " served from a healthy Redis").atMost(Duration.ofSeconds(20))
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> {
					Http.Response response = this.http.get(url);
					assertThat(response.status()).as("%s %s", url, response).isEqualTo(200);
					return response.cacheStatus();
				}, "catalog; hit"::equals);
		}
	}

	/**
	 * Health asks Redis itself rather than waiting for requests to trip the breaker: with
	 * no traffic at all it shows Redis down within a second of Redis going away or going
	 * silent, and up again once it answers.
	 */
	@Test
	void healthShowsRedisDownAtOnceWithoutAnyTraffic() {
		Map<Mode, Long> detectedMillis = new EnumMap<>(Mode.class);
		Map<Mode, Health> whileDown = new EnumMap<>(Mode.class);
		Map<Mode, Health> afterwards = new EnumMap<>(Mode.class);
		for (Mode fault : List.of(Mode.RESET, Mode.BLACK_HOLE)) {
			assertThat(awaitHealth(Duration.ofSeconds(10), (health) -> "UP".equals(health.redis())))
				.as("health before the fault")
				.isNotNull();
			proxy().mode(fault);
			long since = System.nanoTime();
			whileDown.put(fault, awaitHealth(Duration.ofSeconds(1), Health::redisDown));
			detectedMillis.put(fault, (System.nanoTime() - since) / 1_000_000);
			proxy().mode(Mode.PASS);
			afterwards.put(fault, awaitHealth(Duration.ofSeconds(10), (health) -> "UP".equals(health.redis())));
		}
		System.out.printf("Health without traffic: Redis reported down %s ms after the fault; while down %s; "
				+ "afterwards %s%n", detectedMillis, whileDown, afterwards);
		SoftAssertions softly = new SoftAssertions();
		for (Mode fault : List.of(Mode.RESET, Mode.BLACK_HOLE)) {
			softly.assertThat(whileDown.get(fault)).as("health within 1 s of %s", fault).isNotNull();
			if (whileDown.get(fault) != null) {
				assertDegraded(softly, whileDown.get(fault));
			}
			softly.assertThat(afterwards.get(fault)).as("health once Redis answers again after %s", fault).isNotNull();
		}
		softly.assertAll();
	}

	@Test
	void redisKilledUnderLoadFailsNoRequestAndCachingResumesWithinFiveSeconds() throws Exception {
		Load load = Load.start(this.http, this.urls, 8, Duration.ofMillis(10), Integer.MAX_VALUE);
		List<Http.Response> probes = new ArrayList<>();
		try {
			awaitCompleted(load, 50);
			proxy().mode(Mode.RESET);
			long killed = System.nanoTime();
			int beforeOutage = load.completed();
			// A restarted Redis without persistence comes back empty.
			int lost = deleteKeys();
			// Redis stays down for 8 s: long enough that a client backing off without a
			// bound would come back well after the restart.
			Health degraded = awaitHealth(Duration.ofSeconds(5), Health::redisDown);
			while (System.nanoTime() - killed < Duration.ofSeconds(8).toNanos()) {
				LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
			}
			int duringOutage = load.completed() - beforeOutage;
			proxy().mode(Mode.PASS);
			long restarted = System.nanoTime();
			Http.Response resumed = awaitCaching(probes, restarted, Duration.ofSeconds(20));
			long recoveryMillis = (System.nanoTime() - restarted) / 1_000_000;
			List<Load.Sample> samples = load.stop();
			System.out.printf("Redis killed for 8 s under load (its %d keys lost): %d requests (%d during the "
					+ "outage), outcomes %s; health while down: %s; caching resumed %d ms after the restart (%s)%n",
					lost, samples.size(), duringOutage, Load.outcomes(samples), degraded, recoveryMillis, resumed);

			SoftAssertions softly = new SoftAssertions();
			// Each page was a hit before the outage: a Redis that comes back empty has
			// lost at least their entries (and the generation counter), so that caching
			// has to start over from misses.
			softly.assertThat(lost)
				.as("keys lost with the restart: at least the entries of the %d cached pages", this.urls.size())
				.isGreaterThan(this.urls.size());
			assertNoFailures(softly, samples, probes);
			softly.assertThat(samples)
				.as("requests answered with fwd=bypass while Redis was down")
				.anyMatch((sample) -> String.valueOf(sample.response().cacheStatus()).contains("fwd=bypass"));
			assertDegraded(softly, degraded);
			softly.assertThat(resumed).as("caching resumed within 20 s of the restart").isNotNull();
			softly.assertThat(Duration.ofMillis(recoveryMillis))
				.as("time from the restart to the first cached response")
				.isLessThanOrEqualTo(RECOVERY_TARGET);
			softly.assertAll();
		}
		finally {
			load.stop();
		}
	}

	@Test
	void redisAnsweringNothingFailsNoRequestAndKeepsTheP99Within250Milliseconds() throws Exception {
		proxy().mode(Mode.BLACK_HOLE);
		long blackHoled = System.nanoTime();
		// 400 requests over about 4 s from 8 workers; every one of them counts.
		Load load = Load.start(this.http, this.urls, 8, Duration.ofMillis(80), 400);
		Health degraded = awaitHealth(Duration.ofSeconds(6), Health::redisDown);
		List<Load.Sample> samples = load.await(Duration.ofSeconds(60));
		double p50 = Load.percentileMillis(samples, 50);
		double p99 = Load.percentileMillis(samples, 99);
		double max = Load.percentileMillis(samples, 100);
		long slow = samples.stream().filter((sample) -> sample.response().millis() > 250).count();
		// Once the breaker is open, requests must not wait for Redis at all.
		List<Load.Sample> late = samples.stream()
			.filter((sample) -> sample.startNanos() - blackHoled > Duration.ofSeconds(2).toNanos())
			.toList();
		double lateP90 = late.isEmpty() ? 0 : Load.percentileMillis(late, 90);
		List<Http.Response> probes = new ArrayList<>();
		proxy().mode(Mode.PASS);
		long restored = System.nanoTime();
		Http.Response resumed = awaitCaching(probes, restored, Duration.ofSeconds(20));
		long recoveryMillis = (System.nanoTime() - restored) / 1_000_000;
		Health healthy = awaitHealth(Duration.ofSeconds(10), (health) -> "UP".equals(health.redis()));
		System.out.printf(
				"Redis black-holed under load: %d requests, outcomes %s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms, "
						+ "%d over 250 ms; after 2 s p90 %.1f ms (%d requests); health while silent: %s; "
						+ "caching resumed %d ms after the return (%s); health then: %s%n",
				samples.size(), Load.outcomes(samples), p50, p99, max, slow, lateP90, late.size(), degraded,
				recoveryMillis, resumed, healthy);
		System.out.println("Timeline while black-holed: " + timeline(samples, blackHoled));

		SoftAssertions softly = new SoftAssertions();
		softly.assertThat(samples).hasSize(400);
		assertNoFailures(softly, samples, probes);
		assertDegraded(softly, degraded);
		softly.assertThat(p99)
			.as("p99 latency of all %d requests while Redis answered nothing, ms (%d over 250 ms)", samples.size(),
					slow)
			.isLessThanOrEqualTo(250);
		softly.assertThat(lateP90).as("p90 latency once the breaker has had 2 s to open, ms").isLessThan(100);
		softly.assertThat(resumed).as("caching resumed within 20 s of Redis answering again").isNotNull();
		softly.assertThat(Duration.ofMillis(recoveryMillis))
			.as("time from Redis answering again to a cached response")
			.isLessThanOrEqualTo(RECOVERY_TARGET);
		softly.assertThat(healthy).as("health once Redis answers again").isNotNull();
		if (healthy != null) {
			softly.assertThat(healthy.cacheStatus()).isEqualTo("UP");
		}
		softly.assertAll();
	}

	private static void assertDegraded(SoftAssertions softly, Health degraded) {
		softly.assertThat(degraded).as("health showing Redis DOWN while the service is UP").isNotNull();
		if (degraded != null) {
			softly.assertThat(degraded.httpStatus()).as("health HTTP status").isEqualTo(200);
			softly.assertThat(degraded.status()).as("service status").isEqualTo("UP");
			softly.assertThat(degraded.cacheStatus()).as("cache component status").isEqualTo("DEGRADED");
			softly.assertThat(degraded.redis()).as("cache component's redis detail").isEqualTo("DOWN");
		}
	}

	/**
	 * Per 250 ms since {@code since}: how many requests started, the slowest of them, and
	 * the breaker's state changes.
	 */
	private String timeline(List<Load.Sample> samples, long since) {
		Map<Long, long[]> buckets = new TreeMap<>();
		for (Load.Sample sample : samples) {
			long[] bucket = buckets.computeIfAbsent((sample.startNanos() - since) / 250_000_000L, (k) -> new long[2]);
			bucket[0]++;
			bucket[1] = Math.max(bucket[1], sample.response().millis());
		}
		StringBuilder timeline = new StringBuilder();
		buckets.forEach((bucket, stats) -> timeline
			.append(String.format("%n  %5d ms: %3d requests, max %4d ms", bucket * 250, stats[0], stats[1])));
		for (String transition : this.transitions) {
			long at = Long.parseLong(transition.substring(0, transition.indexOf(' ')));
			if (at >= since) {
				timeline.append(String.format("%n  breaker %s at %d ms",
						transition.substring(transition.indexOf(' ') + 1), (at - since) / 1_000_000));
			}
		}
		return timeline.toString();
	}

	private static void assertNoFailures(SoftAssertions softly, List<Load.Sample> samples, List<Http.Response> probes) {
		List<String> failed = new ArrayList<>();
		samples.stream()
			.filter((sample) -> sample.response().status() != 200)
			.forEach((sample) -> failed.add(sample.url() + " -> " + sample.response()));
		probes.stream().filter((probe) -> probe.status() != 200).forEach((probe) -> failed.add("probe -> " + probe));
		softly.assertThat(failed).as("failed requests").isEmpty();
	}

	/** Deletes this context's keys on the real Redis, past the proxy. */
	private int deleteKeys() {
		URI redis = LocalServers.redis();
		try (RespClient client = new RespClient(redis.getHost(), redis.getPort())) {
			client.call("SELECT", String.valueOf(LocalServers.redisDatabase()));
			List<String> keys = client.scan(this.environment.getRequiredProperty("catalog.cache.key-prefix") + ":*");
			keys.forEach((key) -> client.call("DEL", key));
			return keys.size();
		}
	}

	private static void awaitCompleted(Load load, int requests) {
		await(requests + " requests before the fault").atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(10))
			.until(load::completed, (completed) -> completed >= requests);
	}

	/**
	 * Polls one page until it is served through the cache again ({@code hit}, or a
	 * {@code miss} that was stored) and answers that response, or {@code null} after
	 * {@code timeout}.
	 */
	private Http.Response awaitCaching(List<Http.Response> probes, long since, Duration timeout) {
		Duration left = timeout.minusNanos(System.nanoTime() - since);
		if (left.isNegative() || left.isZero()) {
			return null;
		}
		try {
			return await("caching resumed").atMost(left)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(25))
				.until(() -> {
					Http.Response response = this.http.get(this.urls.get(0));
					probes.add(response);
					return response;
				}, (response) -> response.status() == 200
						&& (String.valueOf(response.cacheStatus()).equals("catalog; hit")
								|| String.valueOf(response.cacheStatus()).contains("stored")));
		}
		catch (ConditionTimeoutException ex) {
			return null;
		}
	}

	/**
	 * Polls health until {@code condition} holds and answers that health, or {@code null}
	 * after {@code timeout} (the callers assert on it softly, next to the timings they
	 * report).
	 */
	private Health awaitHealth(Duration timeout, Predicate<Health> condition) {
		AtomicReference<Health> last = new AtomicReference<>();
		try {
			return await("health").atMost(timeout)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(50))
				.until(() -> {
					last.set(health());
					return last.get();
				}, condition);
		}
		catch (ConditionTimeoutException ex) {
			System.out.println("Health did not reach the expected state within " + timeout + "; last: " + last.get());
			return null;
		}
	}

	private Health health() {
		// Details are for operators only.
		Http.Response response = this.http.get("/actuator/health", Http.basic("ops", "ops-secret"));
		if (response.status() < 0) {
			return new Health(-1, null, null, null, null, response.toString());
		}
		JsonNode root = json.readTree(response.body());
		JsonNode cache = root.path("components").path("cache");
		return new Health(response.status(), root.path("status").asString(null), cache.path("status").asString(null),
				cache.path("details").path("redis").asString(null),
				cache.path("details").path("circuitBreaker").asString(null), null);
	}

	/** What {@code /actuator/health} said about the service and its cache. */
	record Health(int httpStatus, String status, String cacheStatus, String redis, String circuitBreaker,
			String failure) {

		boolean redisDown() {
			return "DOWN".equals(this.redis);
		}

	}

}
