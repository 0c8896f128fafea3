package com.example.catalog.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.tracing.MicrometerTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.propagation.Propagator;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.util.StringUtils;

@Configuration(proxyBeanMethods = false)
class CacheConfiguration {

	private static final Log logger = LogFactory.getLog(CacheConfiguration.class);

	/** How long the breaker, once open, turns reads away from Redis. */
	private static final Duration BYPASS_WHILE_OPEN = Duration.ofSeconds(1);

	/** Set when traces are exported: only then are the cache's steps observed. */
	static final String OTLP_TRACES_ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

	/**
	 * While Lettuce reconnects, commands fail at once instead of queueing until a
	 * timeout: the cache would rather serve from the database than wait.
	 */
	@Bean
	LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
		return (builder) -> builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.autoReconnect(true);
	}

	/**
	 * Without a trace exporter, Boot's Lettuce observation is left out (see
	 * {@code system.UntracedClientCalls}): every command would pass the tracing handlers,
	 * which start a span and inject the trace context and baggage into it, for spans that
	 * go nowhere. Commands are then observed by a registry of their own that only times
	 * them, so that {@code lettuce_seconds} (the dashboard's Redis panel) stays as it is.
	 * With an exporter Boot's observation, with its spans, is used instead.
	 */
	@Bean
	ClientResourcesBuilderCustomizer redisCommandTimingWithoutTraces(Environment environment,
			ObjectProvider<MeterRegistry> meterRegistry) {
		return (builder) -> {
			MeterRegistry meters = meterRegistry.getIfAvailable();
			if (!tracesExported(environment) && meters != null) {
				ObservationRegistry timingOnly = ObservationRegistry.create();
				timingOnly.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
				builder.tracing(new MicrometerTracing(timingOnly, "Redis"));
			}
		};
	}

	@Bean
	ReactiveRedisTemplate<String, byte[]> cacheRedisTemplate(ReactiveRedisConnectionFactory connectionFactory) {
		RedisSerializationContext<String, byte[]> context = RedisSerializationContext
			.<String, byte[]>newSerializationContext(RedisSerializer.string())
			.value(RedisSerializer.byteArray())
			.build();
		return new ReactiveRedisTemplate<>(connectionFactory, context);
	}

	@Bean
	RedisConnectionGate redisConnectionGate(ReactiveRedisConnectionFactory connectionFactory) {
		return new RedisConnectionGate(connectionFactory, Duration.ofSeconds(1));
	}

	/**
	 * Every command's outcome is recorded on the event loop that completed it: the
	 * lock-free window, because the default one takes a lock per record, and an event
	 * loop must not wait for another.
	 */
	@Bean
	CircuitBreaker redisCircuitBreaker() {
		CircuitBreakerConfig config = CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(10)
			.slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
			.minimumNumberOfCalls(5)
			.failureRateThreshold(50)
			.waitDurationInOpenState(BYPASS_WHILE_OPEN)
			.permittedNumberOfCallsInHalfOpenState(1)
			.automaticTransitionFromOpenToHalfOpenEnabled(false)
			.build();
		CircuitBreaker breaker = CircuitBreaker.of("redis", config);
		// The state gauge shows where it is at a scrape; a second of bypassing
		// between two scrapes shows only here.
		breaker.getEventPublisher().onStateTransition((event) -> {
			CircuitBreaker.State to = event.getStateTransition().getToState();
			if (to == CircuitBreaker.State.OPEN) {
				logger.warn("Redis circuit breaker opened: " + breaker.getMetrics().getNumberOfFailedCalls()
						+ " of the last " + breaker.getMetrics().getNumberOfBufferedCalls()
						+ " commands failed or took longer than catalog.cache.redis-timeout; reads bypass the cache for "
						+ BYPASS_WHILE_OPEN.toMillis() + " ms, then one command tries Redis again");
			}
			else {
				logger.info("Redis circuit breaker " + event.getStateTransition().getFromState() + " -> " + to);
			}
		});
		return breaker;
	}

	/** What the cache reads the time from. */
	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	CacheMetrics cacheMetrics(MeterRegistry meterRegistry, CircuitBreaker redisCircuitBreaker) {
		CacheMetrics metrics = new CacheMetrics(meterRegistry);
		metrics.watch(redisCircuitBreaker, meterRegistry);
		return metrics;
	}

	@Bean
	GuardedRedis guardedRedis(ReactiveRedisTemplate<String, byte[]> cacheRedisTemplate, CacheProperties properties,
			CircuitBreaker redisCircuitBreaker, RedisConnectionGate redisConnectionGate, CacheMetrics cacheMetrics) {
		return new GuardedRedis(cacheRedisTemplate, redisCircuitBreaker, properties.redisTimeout(), redisConnectionGate,
				cacheMetrics);
	}

	/** Started and stopped with the application: it listens while it runs. */
	@Bean
	InvalidationNotices invalidationNotices(ReactiveRedisConnectionFactory connectionFactory, GuardedRedis guardedRedis,
			CacheProperties properties, MeterRegistry meterRegistry) {
		HeldStamps held = properties.enabled() ? new HeldStamps(properties.stampLease(), Ticker.systemTicker())
				: HeldStamps.NONE;
		return new InvalidationNotices(connectionFactory, guardedRedis, held, properties.keyPrefix(),
				properties.invalidationTimeout(), meterRegistry);
	}

	@Bean
	ResponseCache responseCache(GuardedRedis redis, InvalidationNotices invalidationNotices, CacheProperties properties,
			JsonMapper jsonMapper, CacheMetrics metrics, Clock clock, ObservationRegistry observationRegistry,
			Environment environment) {
		Generations generations = new Generations(redis, properties.keyPrefix(), counterTtl(properties),
				properties.invalidationTimeout(), properties.redisTimeout(), clock, metrics, invalidationNotices.held(),
				invalidationNotices);
		CacheSteps steps = tracesExported(environment) ? new CacheSteps(observationRegistry) : CacheSteps.UNOBSERVED;
		return new ResponseCache(redis, generations, properties, jsonMapper, metrics, clock, steps);
	}

	private static boolean tracesExported(Environment environment) {
		return StringUtils.hasText(environment.getProperty(OTLP_TRACES_ENDPOINT));
	}

	/**
	 * Counters outlive every entry that can be stamped with them by far; an expired
	 * counter costs its scope one miss, never a stale hit (it is seeded anew).
	 */
	static Duration counterTtl(CacheProperties properties) {
		Duration longestEntry = properties.ttl()
			.plusMillis((long) (properties.ttl().toMillis() * properties.ttlJitter()))
			.plus(properties.staleIfError());
		return longestEntry.plus(longestEntry).plusHours(1);
	}

	@Bean
	HttpHandlerDecoratorFactory nearHitHttpHandler(ResponseCache responseCache,
			ObjectProvider<CacheableRoute> cacheableRoutes, MeterRegistry meterRegistry, Environment environment,
			ObjectProvider<Propagator> propagator, ObjectProvider<PublicRouteCredentials> credentials,
			ObjectProvider<KnownRefusals> refusals) {
		List<CacheableRoute> routes = cacheableRoutes.orderedStream().toList();
		String requestsTimerName = environment.getProperty("management.observations.http.server.requests.name",
				"http.server.requests");
		RequestEventLoops eventLoops = new RequestEventLoops();
		Propagator tracePropagator = tracesExported(environment) ? propagator.getIfAvailable() : null;
		NearHitSpans spans = (tracePropagator != null) ? new NearHitSpans(tracePropagator) : null;
		PublicRouteCredentials knownValid = credentials.getIfAvailable(() -> PublicRouteCredentials.NONE);
		KnownRefusals knownRefusals = refusals.getIfAvailable(() -> KnownRefusals.NONE);
		return (webFlux) -> new NearHitHttpHandler(webFlux, responseCache, routes, meterRegistry, requestsTimerName,
				eventLoops, spans, knownValid, knownRefusals);
	}

	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	HttpHandlerDecoratorFactory eventLoopResponseWrites() {
		RequestEventLoops eventLoops = new RequestEventLoops();
		return (handler) -> new ResponsesOnTheirEventLoop(handler, eventLoops);
	}

	@Bean
	CacheHealthIndicator cacheHealthIndicator(CacheProperties properties, CircuitBreaker redisCircuitBreaker,
			RedisConnectionGate redisConnectionGate) {
		return new CacheHealthIndicator(properties, redisCircuitBreaker, redisConnectionGate);
	}

}
