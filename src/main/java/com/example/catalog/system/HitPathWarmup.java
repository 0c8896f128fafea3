package com.example.catalog.system;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.stereotype.Component;

/**
 * Sends the instance its own cache hits for {@code catalog.warmup.duration} once its port
 * is open, so that the JIT has compiled the hit path before the first client arrives, and
 * beside them {@code catalog.warmup.misses-per-second} misses, so that it has compiled
 * the miss path too. Runs as an {@link ApplicationRunner}: Spring Boot reports the
 * instance ready (readiness {@code ACCEPTING_TRAFFIC}) only after the runners, so a load
 * balancer that follows the readiness probe sends no traffic meanwhile. Hits are never
 * limited; the misses take a few loads a second from the limit of the local address, and
 * store small pages of price windows that expire with their TTL. A warm-up that meets
 * errors (the database down, say) goes on until its time is up and says what it got; it
 * never stops the start-up.
 */
@Component
class HitPathWarmup implements ApplicationRunner {

	static final String PATH = "/catalog?limit=1";

	/** A page nobody asked for yet: a price window at a random start. */
	static final String MISS_PATH = "/catalog?limit=1&sort=price&minPrice=";

	/** The highest {@code minPrice} the contract accepts. */
	private static final long HIGHEST_PRICE_CENTS = 1_000_000_000L;

	private static final Log logger = LogFactory.getLog(HitPathWarmup.class);

	private static final int CONNECTIONS = 4;

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

	private static final Duration PAUSE_AFTER_FAILURE = Duration.ofMillis(50);

	private static final String OK = "200";

	private final WarmupProperties properties;

	private final ApplicationContext context;

	HitPathWarmup(WarmupProperties properties, ApplicationContext context) {
		this.properties = properties;
		this.context = context;
	}

	@Override
	public void run(ApplicationArguments args) {
		Duration duration = this.properties.duration();
		if (duration.isZero() || !(this.context instanceof WebServerApplicationContext web)) {
			return;
		}
		Map<String, LongAdder> answers = new ConcurrentHashMap<>();
		ConnectionProvider connections = ConnectionProvider.create("warmup", CONNECTIONS);
		HttpClient client = HttpClient.create(connections)
			.baseUrl("http://127.0.0.1:" + web.getWebServer().getPort())
			.responseTimeout(REQUEST_TIMEOUT);
		long started = System.nanoTime();
		long deadline = started + duration.toNanos();
		// On the main thread, which Spring Boot's runners run on; never on an event loop.
		try {
			Flux<String> hits = Flux.range(0, CONNECTIONS)
				.flatMap((connection) -> answer(client, PATH)
					// A failing instance answers at once: no need to ask it thousands of
					// times.
					.delayUntil((answer) -> OK.equals(answer) ? Mono.empty() : Mono.delay(PAUSE_AFTER_FAILURE))
					.repeat(() -> System.nanoTime() < deadline));
			Flux<String> misses = (this.properties.missesPerSecond() == 0) ? Flux.empty()
					: Flux.interval(Duration.ofNanos(1_000_000_000L / this.properties.missesPerSecond()))
						.takeWhile((tick) -> System.nanoTime() < deadline)
						.onBackpressureDrop()
						.concatMap((tick) -> answer(client,
								MISS_PATH + ThreadLocalRandom.current().nextLong(HIGHEST_PRICE_CENTS))
							.map((answer) -> "miss " + answer));
			Flux.merge(hits, misses)
				.doOnNext((answer) -> count(answers, answer))
				.blockLast(duration.plus(REQUEST_TIMEOUT).plus(REQUEST_TIMEOUT));
		}
		catch (RuntimeException ex) {
			logger.warn("The warm-up stopped early: " + ex.getMessage());
		}
		finally {
			connections.dispose();
		}
		logger.info("Warmed up with " + answers.values().stream().mapToLong(LongAdder::sum).sum() + " requests of "
				+ PATH + " and " + MISS_PATH + "… in " + Duration.ofNanos(System.nanoTime() - started).toMillis()
				+ " ms: " + new TreeMap<>(answers));
	}

	/** The status of one request, or the name of what made it fail. */
	private static Mono<String> answer(HttpClient client, String path) {
		return client.get()
			.uri(path)
			.responseSingle((response, body) -> body.then(Mono.just(String.valueOf(response.status().code()))))
			.onErrorResume((ex) -> !(ex instanceof Error), (ex) -> Mono.just(ex.getClass().getSimpleName()));
	}

	private static void count(Map<String, LongAdder> answers, String answer) {
		answers.computeIfAbsent(answer, (ignored) -> new LongAdder()).increment();
	}

}
