package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.ReactiveSubscription.Message;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

/**
 * The notices that take {@link HeldStamps held stamps} away, and their acknowledgements.
 * <p>
 * A write that bumps shared counters publishes, in the same script, a notice naming
 * itself (this instance's id and a nonce) and the counters it changed on one channel
 * every instance listens to, and learns which instances hold leases and for how long.
 * Each holder drops its held stamps of those counters (all of them, for a notice that
 * names none) and acknowledges on the writer's own channel; the writer answers once every
 * holder has acknowledged or its lease has run out, so an instance that is cut off,
 * paused or gone costs a write at most one lease, never a stale read. Notices and
 * acknowledgements are only ever a shortcut: without them a write waits out the leases,
 * which Redis keeps.
 */
final class InvalidationNotices implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(InvalidationNotices.class);

	/**
	 * Marks when the registry of holders (KEYS[1]) was created, unless it exists: a write
	 * waits a whole lease while the registry is younger than a lease.
	 */
	private static final RedisScript<Long> MARK_REGISTRY_BIRTH = RedisScript
		.of(CounterKeys.LUA_NOW + "return redis.call('hsetnx', KEYS[1], '~born', now)\n", Long.class);

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final GuardedRedis redis;

	private final HeldStamps held;

	private final Duration publishTimeout;

	private final String instanceId = UUID.randomUUID().toString();

	private final String channel;

	private final String holderRegistry;

	private final Map<String, NoticeAcknowledgements> awaited = new ConcurrentHashMap<>();

	private final Counter leasesWaitedOut;

	private volatile Disposable subscription;

	InvalidationNotices(ReactiveRedisConnectionFactory connectionFactory, GuardedRedis redis, HeldStamps held,
			String keyPrefix, Duration publishTimeout, MeterRegistry registry) {
		this.connectionFactory = connectionFactory;
		this.redis = redis;
		this.held = held;
		this.publishTimeout = publishTimeout;
		this.channel = keyPrefix + ":invalidations";
		this.holderRegistry = CounterKeys.registry(keyPrefix);
		this.leasesWaitedOut = Counter.builder("catalog.cache.stamps.leases.waited.out")
			.description("Instances holding generations that a write waited for until their lease ran out, "
					+ "because they did not acknowledge its notice")
			.register(registry);
		Gauge.builder("catalog.cache.stamps.listening", held, (stamps) -> stamps.holding() ? 1 : 0)
			.description("Whether this instance hears invalidation notices, and so holds generations it read")
			.register(registry);
	}

	HeldStamps held() {
		return this.held;
	}

	String instanceId() {
		return this.instanceId;
	}

	String channel() {
		return this.channel;
	}

	private String acknowledgementChannel(String writerId) {
		return this.channel + ":ack:" + writerId;
	}

	/** The text of the notice a write of {@code counters} publishes. */
	String notice(String nonce, List<String> counters) {
		return InvalidationNotice.of(this.instanceId, nonce, counters).text();
	}

	/**
	 * Waits for the holders of a write's notice, registered before the write is sent (an
	 * acknowledgement may come before the write's own reply): completes once every holder
	 * but this instance has acknowledged, or its lease has run out, and not before
	 * {@code unknownFor} (while Redis may have forgotten holders).
	 */
	Mono<Void> awaitHolders(String nonce, Mono<Holders> write) {
		return Mono.defer(() -> {
			NoticeAcknowledgements acknowledgements = new NoticeAcknowledgements(this.instanceId, this.leasesWaitedOut);
			this.awaited.put(nonce, acknowledgements);
			return write.flatMap((holders) -> acknowledgements.await(holders))
				.doFinally((signal) -> this.awaited.remove(nonce));
		});
	}

	@Override
	public void start() {
		if (!this.held.configured()) {
			return;
		}
		this.subscription = Flux
			.usingWhen(
					Mono.fromCallable(() -> new ReactiveRedisMessageListenerContainer(this.connectionFactory))
						.subscribeOn(Schedulers.boundedElastic()),
					this::listen, ReactiveRedisMessageListenerContainer::destroyLater,
					(container, ex) -> container.destroyLater(), ReactiveRedisMessageListenerContainer::destroyLater)
			.doOnError((ex) -> {
				if (this.held.holding()) {
					logger.warn("Invalidation notices interrupted (" + ex.getMessage()
							+ "); generations are read for every request until they are heard again");
				}
				this.held.listening(false);
			})
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(5)))
			.subscribe((ignored) -> {
			}, (ex) -> logger.error("Invalidation notices stopped; generations are read for every request", ex));
	}

	private Flux<Void> listen(ReactiveRedisMessageListenerContainer container) {
		return container
			.receiveLater(ChannelTopic.of(this.channel), ChannelTopic.of(acknowledgementChannel(this.instanceId)))
			.flatMapMany((messages) -> Flux.merge(
					messages.flatMap(this::heard)
						.concatWith(Mono.error(() -> new IllegalStateException("subscription ended"))),
					markRegistryBirth().then(Mono.fromRunnable(() -> this.held.listening(true)))));
	}

	/**
	 * Creates the registry of holders as this instance starts hearing notices, rather
	 * than at its first held read: writes then wait a lease for holders Redis may have
	 * forgotten only in the first lease after Redis lost its data, not in the first one
	 * after every deployment. Creating it early is always safe: a holder Redis forgot
	 * read its stamp before Redis lost the registry, so before now, and its lease ends
	 * within a lease of now. Without it the first held read creates the registry.
	 */
	private Mono<Void> markRegistryBirth() {
		return this.redis
			.callUnbroken("EVAL registry birth", this.publishTimeout,
					(redis) -> redis.execute(MARK_REGISTRY_BIRTH, List.of(this.holderRegistry)).next())
			.then()
			.onErrorResume(CacheUnavailableException.class, (ex) -> Mono.empty());
	}

	private Mono<Void> heard(Message<String, String> message) {
		if (!message.getChannel().equals(this.channel)) {
			InvalidationNotice.Acknowledgement acknowledgement = InvalidationNotice.Acknowledgement
				.parse(message.getMessage());
			NoticeAcknowledgements acknowledgements = (acknowledgement != null)
					? this.awaited.get(acknowledgement.nonce()) : null;
			if (acknowledgements != null) {
				acknowledgements.acknowledged(acknowledgement.holderId());
			}
			return Mono.empty();
		}
		InvalidationNotice notice = InvalidationNotice.parse(message.getMessage());
		if (notice == null || notice.writerId().equals(this.instanceId)) {
			return Mono.empty();
		}
		if (notice.dropsEverything()) {
			this.held.drop();
		}
		else {
			this.held.drop(notice.counters());
		}
		byte[] acknowledgement = notice.acknowledgement(this.instanceId).getBytes(StandardCharsets.UTF_8);
		// A lost acknowledgement costs the writer its wait for this lease, nothing more.
		return this.redis
			.callUnbroken("PUBLISH", this.publishTimeout,
					(redis) -> redis.convertAndSend(acknowledgementChannel(notice.writerId()), acknowledgement))
			.then()
			.onErrorResume(CacheUnavailableException.class, (ex) -> Mono.empty());
	}

	@Override
	public void stop() {
		stopHearing().block();
	}

	/** Stops without blocking the thread closing the application for Redis. */
	@Override
	public void stop(Runnable callback) {
		stopHearing().doFinally((signal) -> callback.run())
			.subscribe(null, (ex) -> logger.warn("Could not remove this instance from the holders' registry", ex));
	}

	/**
	 * Unsubscribes, and removes this instance's registration: writers need not wait out a
	 * lease it no longer uses.
	 */
	private Mono<Void> stopHearing() {
		return Mono.defer(() -> {
			Disposable current = this.subscription;
			if (current != null) {
				current.dispose();
			}
			this.held.listening(false);
			if (!this.held.configured()) {
				return Mono.empty();
			}
			return this.redis
				.callUnbroken("HDEL", this.publishTimeout,
						(redis) -> redis.opsForHash().remove(this.holderRegistry, this.instanceId))
				.then()
				.onErrorResume(CacheUnavailableException.class, (ex) -> Mono.empty());
		});
	}

	/**
	 * Started before the web server, stopped after it has drained its requests: while
	 * this instance serves, it hears notices.
	 */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

	@Override
	public boolean isRunning() {
		Disposable current = this.subscription;
		return current != null && !current.isDisposed();
	}

	/**
	 * What a write's script found: how long Redis may have forgotten holders for (its
	 * registry was recreated less than a lease ago), and each holder's lease left, in
	 * milliseconds.
	 */
	record Holders(long unknownFor, Map<String, Long> leaseLeft) {

		/** A write that touched no shared counter: nobody to wait for. */
		static final Holders NONE = new Holders(0, Map.of());

	}

}
