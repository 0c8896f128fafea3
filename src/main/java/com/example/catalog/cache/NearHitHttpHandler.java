package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.netty.channel.EventLoop;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.RequestPath;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Answers GETs of {@link CacheableRoute cacheable routes} whose current response this
 * instance holds, in front of Spring WebFlux: no exchange, web filters (Spring Security
 * among them) or handler. On a hit those cost most of the time while changing nothing:
 * the routes are public, and the handler would only build the key and ask the cache.
 * Every other request goes to WebFlux, and so does every hit this handler cannot answer
 * exactly as WebFlux would.
 * <p>
 * Requests with credentials go the full way, because Spring Security answers wrong
 * credentials with a 401 even on a public route, unless they are
 * {@link PublicRouteCredentials known valid} (a bearer token already checked and not
 * expired, say): then the full chain would answer as it answers anonymous requests. So do
 * HTTPS requests (their security headers differ), HEAD requests and any path not in its
 * plain spelling (Spring Security's firewall has a say about encoded or parameterised
 * paths).
 * <p>
 * A request that Redis holds no entry for either, from a client a limit is known to
 * refuse now ({@link KnownRefusals}), is refused here too, as WebFlux would refuse it.
 * <p>
 * WebFlux would time the request as {@code http.server.requests}; this handler records
 * the same timer, with the same tags, so hits and refusals stay in the request metrics.
 */
final class NearHitHttpHandler implements HttpHandler {

	/**
	 * What Spring Security's default header writers add to a plain HTTP response that
	 * already has a {@code Cache-Control}; a test compares hits with the full chain's
	 * responses.
	 */
	private static final List<Map.Entry<String, String>> SECURITY_HEADERS = List.of(
			Map.entry("X-Content-Type-Options", "nosniff"), Map.entry("X-Frame-Options", "DENY"),
			Map.entry("X-XSS-Protection", "0"), Map.entry("Referrer-Policy", "no-referrer"));

	/**
	 * What Spring Security's cache-control header writer adds to a response that sets no
	 * {@code Cache-Control} of its own.
	 */
	private static final List<Map.Entry<String, String>> NOT_KEPT_HEADERS = List.of(
			Map.entry(HttpHeaders.CACHE_CONTROL, "no-cache, no-store, max-age=0, must-revalidate"),
			Map.entry(HttpHeaders.PRAGMA, "no-cache"), Map.entry(HttpHeaders.EXPIRES, "0"));

	private final HttpHandler webFlux;

	private final ResponseCache cache;

	private final List<Route> routes;

	private final MeterRegistry meterRegistry;

	private final String requestsTimerName;

	private final RequestEventLoops eventLoops;

	/** Only while traces are exported. */
	private final NearHitSpans spans;

	private final PublicRouteCredentials credentials;

	private final KnownRefusals refusals;

	private final Cache<String, CacheKey> keys = Caffeine.newBuilder().maximumSize(10_000).build();

	NearHitHttpHandler(HttpHandler webFlux, ResponseCache cache, List<CacheableRoute> routes,
			MeterRegistry meterRegistry, String requestsTimerName, RequestEventLoops eventLoops, NearHitSpans spans,
			PublicRouteCredentials credentials, KnownRefusals refusals) {
		this.webFlux = webFlux;
		this.spans = spans;
		this.credentials = credentials;
		this.refusals = refusals;
		this.eventLoops = eventLoops;
		this.cache = cache;
		this.routes = routes.stream()
			.map((route) -> new Route(PathPatternParser.defaultInstance.parse(route.pathPattern()), route,
					new ConcurrentHashMap<>()))
			.toList();
		this.meterRegistry = meterRegistry;
		this.requestsTimerName = requestsTimerName;
	}

	@Override
	public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
		if (request.getMethod() != HttpMethod.GET || request.getSslInfo() != null
				|| !credentialsAnswerAsAnonymous(request) || !plainSpelling(request.getPath())) {
			return this.webFlux.handle(request, response);
		}
		for (Route route : this.routes) {
			PathPattern.PathMatchInfo match = route.pattern()
				.matchAndExtract(request.getPath().pathWithinApplication());
			if (match != null) {
				CacheKey key = keyOf(route, request, match);
				if (key == null) {
					return this.webFlux.handle(request, response);
				}
				long start = System.nanoTime();
				long startedAtMicros = (this.spans != null) ? currentTimeMicros() : 0;
				return this.cache.nearHit(key).flatMap((lookup) -> {
					if (lookup instanceof NearLookup.Hit hit) {
						return write(request, response, route, hit.response(), start, startedAtMicros);
					}
					if (lookup instanceof NearLookup.NotHeld notHeld) {
						return notHeld(request, response, route, notHeld, start, startedAtMicros);
					}
					return missed(request, response, route, (NearLookup.Miss) lookup, start, startedAtMicros);
				});
			}
		}
		return this.webFlux.handle(request, response);
	}

	private boolean credentialsAnswerAsAnonymous(ServerHttpRequest request) {
		List<String> authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
		return authorization == null || this.credentials.knownValid(authorization);
	}

	private Mono<Void> missed(ServerHttpRequest request, ServerHttpResponse response, Route route, NearLookup.Miss miss,
			long start, long startedAtMicros) {
		KnownRefusals.Refusal refusal = miss.nothingStored() ? this.refusals.refusal(request) : null;
		if (refusal != null) {
			return refuse(request, response, route, refusal, start, startedAtMicros);
		}
		return onRequestLoop(request, Mono.defer(() -> this.webFlux.handle(stamped(request, miss.read()), response)));
	}

	/**
	 * A request this instance holds no entry for goes on through WebFlux at once, on the
	 * thread it arrived on, while Redis answers the read sent for it: at idle the pass
	 * through WebFlux took 1.6 ms after that answer, which it now overlaps. Only a client
	 * a limit is known to refuse waits for the answer, to be refused here when Redis
	 * holds nothing for the key either.
	 */
	private Mono<Void> notHeld(ServerHttpRequest request, ServerHttpResponse response, Route route,
			NearLookup.NotHeld notHeld, long start, long startedAtMicros) {
		if (this.refusals.refusal(request) == null) {
			return this.webFlux.handle(stamped(request, notHeld.read()), response);
		}
		return notHeld.answered().flatMap((miss) -> missed(request, response, route, miss, start, startedAtMicros));
	}

	/**
	 * Runs {@code work} on the request's own event loop. The generation read completes on
	 * the Redis connection's thread, which must not carry a request through WebFlux:
	 * under a burst of misses it would fall behind with Redis replies until their
	 * timeouts fired, and the requests would bypass the cache.
	 */
	private Mono<Void> onRequestLoop(ServerHttpRequest request, Mono<Void> work) {
		EventLoop loop = RequestEventLoops.of(request);
		return (loop != null) ? work.subscribeOn(this.eventLoops.schedulerOf(loop)) : work;
	}

	private static ServerHttpRequest stamped(ServerHttpRequest request, StampRead read) {
		return (read != null) ? new StampedRequest(request, read) : request;
	}

	/**
	 * The request's key, remembered by path and query: a key depends on nothing else, and
	 * validating the query and hashing it cost more than the rest of a hit.
	 */
	private CacheKey keyOf(Route route, ServerHttpRequest request, PathPattern.PathMatchInfo match) {
		String rawQuery = request.getURI().getRawQuery();
		String target = (rawQuery != null) ? request.getPath().value() + '?' + rawQuery : request.getPath().value();
		CacheKey known = this.keys.getIfPresent(target);
		if (known != null) {
			return known;
		}
		try {
			CacheKey key = route.declared().requestKey().of(request, match.getUriVariables());
			this.keys.put(target, key);
			return key;
		}
		catch (RuntimeException ex) {
			// A request the handler rejects: the handler answers it, with its problem.
			return null;
		}
	}

	private Mono<Void> write(ServerHttpRequest request, ServerHttpResponse response, Route route, CachedResponse hit,
			long start, long startedAtMicros) {
		Span span = (this.spans != null) ? this.spans.start(request, route.declared().pathPattern(), startedAtMicros)
				: null;
		HttpHeaders headers = response.getHeaders();
		HttpCaching.Rendition rendition = this.cache.httpCaching().render(hit, request.getHeaders(), headers);
		for (Map.Entry<String, String> header : SECURITY_HEADERS) {
			headers.set(header.getKey(), header.getValue());
		}
		return answer(response, route, rendition.status(), rendition.body(), start, span);
	}

	/**
	 * The refusal with the headers Spring Security would add to it: those of a hit, and
	 * as the response sets no {@code Cache-Control}, the ones that forbid keeping it.
	 */
	private Mono<Void> refuse(ServerHttpRequest request, ServerHttpResponse response, Route route,
			KnownRefusals.Refusal refusal, long start, long startedAtMicros) {
		Span span = (this.spans != null) ? this.spans.start(request, route.declared().pathPattern(), startedAtMicros)
				: null;
		HttpHeaders headers = response.getHeaders();
		headers.addAll(refusal.headers());
		for (Map.Entry<String, String> header : NOT_KEPT_HEADERS) {
			headers.set(header.getKey(), header.getValue());
		}
		for (Map.Entry<String, String> header : SECURITY_HEADERS) {
			headers.set(header.getKey(), header.getValue());
		}
		return answer(response, route, refusal.status(), ByteBuffer.wrap(refusal.body()), start, span);
	}

	private Mono<Void> answer(ServerHttpResponse response, Route route, HttpStatus status, ByteBuffer body, long start,
			Span span) {
		response.setStatusCode(status);
		Timer timer = timer(route, status);
		Mono<Void> writing;
		if (body == null) {
			writing = response.setComplete();
		}
		else {
			response.getHeaders().setContentLength(body.remaining());
			writing = response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
		}
		return writing.doFinally((signal) -> {
			if (signal != SignalType.CANCEL) {
				timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			}
			if (span != null) {
				NearHitSpans.end(span, status, signal == SignalType.CANCEL);
			}
		});
	}

	/** The timer WebFlux's request observation would record to, tags and all. */
	private Timer timer(Route route, HttpStatus status) {
		return route.timers()
			.computeIfAbsent(status,
					(ignored) -> Timer.builder(this.requestsTimerName)
						.tag("error", "none")
						.tag("exception", "none")
						.tag("method", "GET")
						.tag("outcome", outcome(status))
						.tag("status", Integer.toString(status.value()))
						.tag("uri", route.declared().pathPattern())
						.register(this.meterRegistry));
	}

	private static String outcome(HttpStatus status) {
		if (status.is2xxSuccessful()) {
			return "SUCCESS";
		}
		return status.is4xxClientError() ? "CLIENT_ERROR" : "REDIRECTION";
	}

	private static long currentTimeMicros() {
		Instant now = Instant.now();
		return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + TimeUnit.NANOSECONDS.toMicros(now.getNano());
	}

	/**
	 * Only letters, digits, '-', '_' and single slashes: nothing to decode or normalise.
	 */
	private static boolean plainSpelling(RequestPath path) {
		String value = path.value();
		if (value.isEmpty() || value.charAt(value.length() - 1) == '/') {
			return false;
		}
		char previous = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
					|| c == '_' || (c == '/' && previous != '/');
			if (!allowed) {
				return false;
			}
			previous = c;
		}
		return true;
	}

	/** A declared route, its parsed pattern and its request timers by status. */
	private record Route(PathPattern pattern, CacheableRoute declared, Map<HttpStatus, Timer> timers) {

	}

}
