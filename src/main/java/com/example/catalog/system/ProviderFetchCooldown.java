package com.example.catalog.system;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * At most one request per URL and cooldown from the bearer-token decoder to the identity
 * provider. Spring Security's reactive decoder ({@code ReactiveRemoteJWKSource}) fetches
 * the JWK set again for every token naming a key id its cached set lacks, and shares no
 * fetch in flight, so made-up key ids are requests to the provider one for one (50 such
 * tokens at once cost 98 fetches when the set was not cached yet, 50 when it was); it
 * offers no setting to bound that, and Nimbus's rate-limited key source is a blocking
 * one. On the decoder's {@code WebClient}, this filter answers every GET of a URL within
 * the cooldown of the last request for it with that request's answer: shared while it is
 * in flight, replayed after. A replayed set is the set the token's key id was just
 * missing from, so the token is refused (401) without asking the provider; a rotated key
 * is found by the first token naming it once the cooldown has passed. A failure is
 * replayed too (a 503 for the token), so a provider that is down is not asked more often
 * either.
 */
final class ProviderFetchCooldown implements ExchangeFilterFunction {

	private final Duration cooldown;

	private final Clock clock;

	/** By URL: the discovery document and the JWK set, so two entries in practice. */
	private final ConcurrentMap<URI, Fetch> fetches = new ConcurrentHashMap<>();

	ProviderFetchCooldown(Duration cooldown, Clock clock) {
		this.cooldown = cooldown;
		this.clock = clock;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		if (!HttpMethod.GET.equals(request.method())) {
			return next.exchange(request);
		}
		Instant now = this.clock.instant();
		Fetch fetch = this.fetches.compute(request.url(),
				(url, last) -> (last != null && now.isBefore(last.until())) ? last : new Fetch(now.plus(this.cooldown),
						next.exchange(request).flatMap((response) -> response.toEntity(String.class)).cache()));
		return fetch.answer().map(ProviderFetchCooldown::replay);
	}

	/** A response of its own for each caller, as each reads its body. */
	private static ClientResponse replay(ResponseEntity<String> answer) {
		return ClientResponse.create(answer.getStatusCode())
			.headers((headers) -> headers.addAll(answer.getHeaders()))
			.body(Objects.requireNonNullElse(answer.getBody(), ""))
			.build();
	}

	/**
	 * A request and when the next may be made.
	 *
	 * @param until the end of its cooldown
	 * @param answer its answer, fetched once for all who ask before {@code until}
	 */
	private record Fetch(Instant until, Mono<ResponseEntity<String>> answer) {

	}

}
