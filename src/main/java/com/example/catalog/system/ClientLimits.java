package com.example.catalog.system;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.TreeMap;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.KnownRefusals;
import com.example.catalog.cache.RateLimits;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.server.ServerWebExchange;

/**
 * Limits what each client may make the database do: a load of a miss or a write costs a
 * token of the client's bucket ({@link RateLimits}); a hit costs nothing, as it never
 * gets here. The client is the authenticated principal, else the address the request came
 * from (which honours {@code X-Forwarded-For} only as
 * {@code server.forward-headers-strategy} allows). Without a token: a 429 problem with
 * {@code Retry-After} and the IETF {@code RateLimit} and {@code RateLimit-Policy}
 * headers. The same 429 is what the cache's near-hit handler writes itself for a client
 * whose refusal is remembered ({@link KnownRefusals}) when the request alone names it:
 * credentials known valid ({@link KnownCredentials}), or none and an address that is the
 * client's already (not with {@code server.forward-headers-strategy=framework}, which
 * WebFlux applies after that handler).
 */
@Component
public final class ClientLimits implements KnownRefusals {

	static final String POLICY_NAME = "\"loads\"";

	private final RateLimits limits;

	private final JsonMapper jsonMapper;

	/**
	 * Whether a request's address is its client's before WebFlux sees it: not when
	 * WebFlux itself applies the forwarded headers.
	 */
	private final boolean addressKnownBeforeWebFlux;

	private final ObjectProvider<KnownCredentials> credentials;

	ClientLimits(ObjectProvider<RateLimits> limits, JsonMapper jsonMapper, Environment environment,
			ObjectProvider<KnownCredentials> credentials) {
		this.limits = limits.getIfAvailable();
		this.jsonMapper = jsonMapper;
		this.credentials = credentials;
		this.addressKnownBeforeWebFlux = !"framework"
			.equalsIgnoreCase(environment.getProperty("server.forward-headers-strategy", "none"));
	}

	/** {@code work}, once the exchange's client has a token for it. */
	public <T> Mono<T> limited(ServerWebExchange exchange, Mono<T> work) {
		return admission(exchange).then(work);
	}

	/**
	 * Takes a token of the exchange's client when subscribed, or fails with the 429: for
	 * the cache to ask only when a request would load.
	 */
	public Mono<Void> admission(ServerWebExchange exchange) {
		if (this.limits == null) {
			return Mono.empty();
		}
		return client(exchange).flatMap(this.limits::take).flatMap((allowance) -> {
			if (!allowance.allowed()) {
				return Mono.error(tooMany(allowance));
			}
			return Mono.empty();
		});
	}

	/**
	 * The 429 of a client whose refusal is remembered, as WebFlux would write it through
	 * {@link ProblemExceptionHandler}.
	 */
	@Override
	public Refusal refusal(ServerHttpRequest request) {
		String client = (this.limits != null) ? clientBeforeWebFlux(request) : null;
		RateLimits.Allowance refused = (client != null) ? this.limits.remembered(client) : null;
		if (refused == null) {
			return null;
		}
		ErrorResponseException problem = tooMany(refused);
		ProblemDetail body = problem.getBody();
		body.setInstance(URI.create(request.getPath().value()));
		HttpHeaders headers = new HttpHeaders();
		headers.addAll(problem.getHeaders());
		headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		// In the order Spring's encoder writes a problem's members: by name.
		return new Refusal(HttpStatus.TOO_MANY_REQUESTS, headers,
				this.jsonMapper.writeValueAsBytes(new TreeMap<>(Problems.members(body))));
	}

	private static Mono<String> client(ServerWebExchange exchange) {
		return exchange.getPrincipal()
			.filter((principal) -> !(principal instanceof AnonymousAuthenticationToken)
					&& (!(principal instanceof Authentication authentication) || authentication.isAuthenticated()))
			.map((principal) -> "principal:" + principal.getName())
			.switchIfEmpty(Mono.fromSupplier(() -> addressClient(exchange.getRequest())));
	}

	/**
	 * The client {@link #client} would name, as far as the request alone tells: the
	 * principal of credentials known valid, or the address of a request without
	 * credentials when it is the client's already; otherwise {@code null}.
	 */
	private String clientBeforeWebFlux(ServerHttpRequest request) {
		List<String> authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
		if (authorization == null) {
			return this.addressKnownBeforeWebFlux ? addressClient(request) : null;
		}
		KnownCredentials known = this.credentials.getIfAvailable();
		String principal = (known != null) ? known.principalOf(authorization) : null;
		return (principal != null) ? "principal:" + principal : null;
	}

	private static String addressClient(ServerHttpRequest request) {
		return "address:" + address(request.getRemoteAddress());
	}

	private static String address(InetSocketAddress remote) {
		if (remote == null) {
			return "unknown";
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

	private ErrorResponseException tooMany(RateLimits.Allowance allowance) {
		ErrorResponseException problem = new Refused(Problems.problem(HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
				"This client has asked for more uncached pages or writes than the limit allows; retry after "
						+ allowance.retryAfterSeconds() + " s"));
		HttpHeaders headers = problem.getHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, Long.toString(allowance.retryAfterSeconds()));
		headers.set("RateLimit-Policy",
				POLICY_NAME + ";q=" + this.limits.burst() + ";w=" + this.limits.windowSeconds());
		headers.set("RateLimit", POLICY_NAME + ";r=" + allowance.remaining() + ";t=" + allowance.retryAfterSeconds());
		return problem;
	}

	/**
	 * A 429 without a stack trace: a flood makes thousands a second, and each trace would
	 * name the same place.
	 */
	private static final class Refused extends ErrorResponseException {

		Refused(ProblemDetail problem) {
			super(HttpStatus.TOO_MANY_REQUESTS, problem, null);
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}

	}

}
