package com.example.catalog.catalog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.r2dbc.postgresql.api.Notification;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;

import org.springframework.context.SmartLifecycle;

/**
 * Listens to the changes PostgreSQL announces on {@code catalog_changes} (the triggers of
 * migration V3) and invalidates what each touched, so that a change made in SQL outside
 * the service is seen on every instance within moments, and so that every instance hears
 * of the service's own writes even when the writer could not reach Redis.
 * <p>
 * A change the writer already invalidated is not invalidated again: both name it by its
 * transaction. While the listening connection is down, changes go unheard; so on every
 * reconnect the feed invalidates everything, and says so in the log and in
 * {@code catalog_cache_feed_resyncs_total}. The connection is checked every few seconds,
 * so a connection that went silent is noticed too.
 */
final class ChangeFeed implements SmartLifecycle {

	static final String CHANNEL = "catalog_changes";

	private static final Log logger = LogFactory.getLog(ChangeFeed.class);

	private static final Duration LIVENESS_INTERVAL = Duration.ofSeconds(5);

	private static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(2);

	/**
	 * Announced changes waiting for their invalidation; past it the feed reconnects and
	 * invalidates everything, as for any other gap.
	 */
	private static final int MAX_WAITING_CHANGES = 100_000;

	private static final int CONCURRENT_INVALIDATIONS = 64;

	private final ConnectionFactory connectionFactory;

	private final ResponseCache cache;

	private final JsonMapper jsonMapper;

	private final Clock clock;

	private final Counter notifications;

	private final Counter resyncs;

	private final Timer lag;

	private final AtomicBoolean heardBefore = new AtomicBoolean();

	private volatile boolean listening;

	/** The database's process id of the listening connection, for tests to end it. */
	private volatile int backendPid;

	private volatile Disposable subscription;

	ChangeFeed(ConnectionFactory connectionFactory, ResponseCache cache, JsonMapper jsonMapper, Clock clock,
			MeterRegistry registry) {
		this.connectionFactory = unpooled(connectionFactory);
		this.cache = cache;
		this.jsonMapper = jsonMapper;
		this.clock = clock;
		this.notifications = Counter.builder("catalog.cache.feed.notifications")
			.description("Changes announced by the database and invalidated by this instance")
			.register(registry);
		this.resyncs = Counter.builder("catalog.cache.feed.resyncs")
			.description("Reconnects of the change feed, after which everything was invalidated")
			.register(registry);
		this.lag = Timer.builder("catalog.cache.feed.lag")
			.description("From a change's trigger in the database to its invalidation by this instance")
			.publishPercentiles(0.5, 0.99)
			.register(registry);
		Gauge.builder("catalog.cache.feed.listening", this, (feed) -> feed.listening ? 1 : 0)
			.description("Whether this instance is listening to the database's change announcements")
			.register(registry);
	}

	/** The listening connection must be one of its own, never a pooled one. */
	private static ConnectionFactory unpooled(ConnectionFactory factory) {
		ConnectionFactory current = factory;
		while (current instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof ConnectionFactory inner) {
			current = inner;
		}
		return current;
	}

	@Override
	public void start() {
		this.subscription = Flux
			.usingWhen(Mono.from(this.connectionFactory.create()), this::listen, Connection::close,
					(connection, ex) -> connection.close(), Connection::close)
			.doOnError((ex) -> {
				// Once per interruption: while the database
				// is away every attempt fails alike.
				if (this.listening) {
					logger.warn("Change feed interrupted (" + ex.getMessage() + "); reconnecting");
				}
				else {
					logger.debug("Change feed not connected yet: " + ex.getMessage());
				}
				this.listening = false;
			})
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(5)))
			.subscribe((ignored) -> {
			}, (ex) -> logger.error("Change feed stopped; changes made outside the service are not seen", ex));
	}

	private Flux<Void> listen(Connection connection) {
		if (!(connection instanceof PostgresqlConnection postgres)) {
			return Flux.error(new IllegalStateException("The change feed needs PostgreSQL, not " + connection));
		}
		return postgres.createStatement("SET application_name = 'catalog-change-feed'")
			.execute()
			.flatMap((result) -> result.getRowsUpdated())
			.thenMany(postgres.createStatement("SELECT pg_backend_pid()")
				.execute()
				.flatMap((result) -> result.map((row, metadata) -> row.get(0, Integer.class))))
			.doOnNext((pid) -> this.backendPid = pid)
			.thenMany(postgres.createStatement("LISTEN " + CHANNEL).execute())
			.flatMap((result) -> result.getRowsUpdated())
			.thenMany(Flux.defer(() -> {
				// The driver hands notifications over through a small
				// bounded buffer and fails the connection when it
				// overflows: take them as fast as they come, and invalidate
				// many at once (each change is independent and idempotent).
				Flux<Void> changes = postgres.getNotifications()
					.onBackpressureBuffer(MAX_WAITING_CHANGES)
					.flatMap(this::invalidate, CONCURRENT_INVALIDATIONS);
				Flux<Void> liveness = Flux.interval(LIVENESS_INTERVAL)
					.concatMap((tick) -> postgres.createStatement("SELECT 1 AS change_feed_alive")
						.execute()
						.flatMap((result) -> result.map((row, metadata) -> 1))
						.timeout(LIVENESS_TIMEOUT)
						.then());
				return Flux.merge(changes, liveness, resyncIfReconnected())
					.concatWith(Mono.error(() -> new IllegalStateException("listening connection closed")));
			}));
	}

	/**
	 * After the first connection, changes may have gone unheard while the feed was down:
	 * everything is invalidated (and, should Redis not confirm it, the cache stays
	 * bypassed until it does).
	 */
	private Mono<Void> resyncIfReconnected() {
		this.listening = true;
		if (!this.heardBefore.getAndSet(true)) {
			logger.info("Listening to changes announced on " + CHANNEL);
			return Mono.empty();
		}
		this.resyncs.increment();
		logger.warn("Change feed reconnected; changes made meanwhile may have gone unheard, "
				+ "so every cached response is invalidated");
		return this.cache.invalidateEverything().onErrorResume((ex) -> !(ex instanceof Error), (ex) -> Mono.empty());
	}

	/**
	 * Invalidates one announced change. A failure is the cache's to handle (it keeps the
	 * change pending and bypasses what it touched), so it never stops the feed.
	 */
	private Mono<Void> invalidate(Notification notification) {
		Announced change;
		try {
			change = parse(notification.getParameter());
		}
		catch (RuntimeException ex) {
			logger.warn("Ignoring an unreadable change announcement: " + notification.getParameter(), ex);
			return Mono.empty();
		}
		return this.cache.invalidateReported(change.scopes(), change.changeId()).doOnSuccess((ignored) -> {
			this.notifications.increment();
			if (change.announcedAtMillis() > 0) {
				this.lag.record(Math.max(0, this.clock.millis() - change.announcedAtMillis()), TimeUnit.MILLISECONDS);
			}
		}).onErrorResume((ex) -> !(ex instanceof Error), (ex) -> {
			logger.debug("Could not invalidate announced change " + change.changeId(), ex);
			return Mono.empty();
		});
	}

	/**
	 * The scopes of a change as the triggers announce it, named as the pages name theirs.
	 */
	Announced parse(String payload) {
		JsonNode json = this.jsonMapper.readTree(payload);
		String changeId = ItemChange.changeIdOf(json.path("change").asString());
		long at = json.path("at").asLong(0);
		boolean everything = json.path("everything").asBoolean(false);
		Set<String> scopes = new LinkedHashSet<>();
		if ("items".equals(json.path("table").asString())) {
			if (everything) {
				return new Announced(List.of(ResponseCache.EVERYTHING), changeId, at);
			}
			List<Long> ids = new ArrayList<>();
			json.path("ids").forEach((id) -> ids.add(id.asLong()));
			List<String> categories = new ArrayList<>();
			json.path("categories").forEach((category) -> categories.add(category.asString()));
			List<Long> prices = new ArrayList<>();
			json.path("prices").forEach((price) -> prices.add(price.asLong()));
			scopes.addAll(CatalogScopes.ofItems(ids, categories, prices, "INSERT".equals(json.path("op").asString())));
		}
		else if (everything) {
			scopes.add(CatalogScopes.FAVORITES);
		}
		else {
			json.path("principals").forEach((principal) -> scopes.add(CacheKey.principalScope(principal.asString())));
		}
		return new Announced(new ArrayList<>(scopes), changeId, at);
	}

	int backendPid() {
		return this.backendPid;
	}

	@Override
	public void stop() {
		Disposable running = this.subscription;
		if (running != null) {
			running.dispose();
		}
		this.listening = false;
	}

	@Override
	public boolean isRunning() {
		Disposable running = this.subscription;
		return running != null && !running.isDisposed();
	}

	/** One announced change: the scopes it touched and the transaction that made it. */
	record Announced(List<String> scopes, String changeId, long announcedAtMillis) {

	}

}
