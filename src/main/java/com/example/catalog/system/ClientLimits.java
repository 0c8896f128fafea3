package com.example.catalog.system;

import java.net.InetSocketAddress;

import reactor.core.publisher.Mono;

import com.example.catalog.cache.RateLimits;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
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
 * headers.
 */
@Component
public final class ClientLimits {

	static final String POLICY_NAME = "\"loads\"";

	private final RateLimits limits;

	ClientLimits(ObjectProvider<RateLimits> limits) {
		this.limits = limits.getIfAvailable();
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

	private static Mono<String> client(ServerWebExchange exchange) {
		return exchange.getPrincipal()
			.filter((principal) -> !(principal instanceof AnonymousAuthenticationToken)
					&& (!(principal instanceof Authentication authentication) || authentication.isAuthenticated()))
			.map((principal) -> "principal:" + principal.getName())
			.switchIfEmpty(Mono.fromSupplier(() -> "address:" + address(exchange.getRequest().getRemoteAddress())));
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
