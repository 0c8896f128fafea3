package com.example.catalog.system;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderFetchCooldownTest {

	private static final Duration COOLDOWN = Duration.ofSeconds(5);

	private static final URI JWKS = URI.create("http://idp.test/realms/test/certs");

	private final SteppingClock clock = new SteppingClock();

	private final ProviderFetchCooldown cooldown = new ProviderFetchCooldown(COOLDOWN, this.clock);

	private final AtomicInteger requests = new AtomicInteger();

	@Test
	void everyoneAskingWhileAFetchIsInFlightSharesIt() {
		Sinks.One<ClientResponse> provider = Sinks.one();
		ExchangeFunction next = counted((request) -> provider.asMono());
		StepVerifier.create(Mono.zip(body(JWKS, next), body(JWKS, next), body(JWKS, next)))
			.then(() -> provider.tryEmitValue(ok("keys")))
			.assertNext((bodies) -> assertThat(List.of(bodies.getT1(), bodies.getT2(), bodies.getT3()))
				.containsOnly("keys"))
			.verifyComplete();
		assertThat(this.requests).hasValue(1);
	}

	@Test
	void theLastAnswerIsReplayedUntilTheCooldownHasPassed() {
		ExchangeFunction next = answering(Mono.fromSupplier(() -> ok("old keys")),
				Mono.fromSupplier(() -> ok("new keys")));
		StepVerifier.create(body(JWKS, next)).expectNext("old keys").verifyComplete();
		this.clock.skip(COOLDOWN.minusMillis(100));
		StepVerifier.create(body(JWKS, next)).expectNext("old keys").verifyComplete();
		assertThat(this.requests).hasValue(1);
		this.clock.skip(Duration.ofMillis(100));
		StepVerifier.create(body(JWKS, next)).expectNext("new keys").verifyComplete();
		assertThat(this.requests).hasValue(2);
	}

	@Test
	void aFailureIsReplayedUntilTheCooldownHasPassedToo() {
		ExchangeFunction next = answering(Mono.error(new IOException("connection refused")),
				Mono.fromSupplier(() -> ClientResponse.create(HttpStatus.BAD_GATEWAY).build()),
				Mono.fromSupplier(() -> ok("keys")));
		StepVerifier.create(body(JWKS, next)).verifyError(IOException.class);
		StepVerifier.create(body(JWKS, next)).verifyError(IOException.class);
		assertThat(this.requests).hasValue(1);
		this.clock.skip(COOLDOWN);
		StepVerifier.create(this.cooldown.filter(get(JWKS), next).map(ClientResponse::statusCode))
			.expectNext(HttpStatus.BAD_GATEWAY)
			.verifyComplete();
		StepVerifier.create(this.cooldown.filter(get(JWKS), next).map(ClientResponse::statusCode))
			.expectNext(HttpStatus.BAD_GATEWAY)
			.verifyComplete();
		this.clock.skip(COOLDOWN);
		StepVerifier.create(body(JWKS, next)).expectNext("keys").verifyComplete();
		assertThat(this.requests).hasValue(3);
	}

	@Test
	void eachUrlHasACooldownOfItsOwn() {
		ExchangeFunction next = counted((request) -> Mono.fromSupplier(() -> ok(request.url().getPath())));
		URI discovery = URI.create("http://idp.test/realms/test/.well-known/openid-configuration");
		StepVerifier.create(body(discovery, next))
			.expectNext("/realms/test/.well-known/openid-configuration")
			.verifyComplete();
		StepVerifier.create(body(JWKS, next)).expectNext("/realms/test/certs").verifyComplete();
		assertThat(this.requests).hasValue(2);
	}

	@Test
	void onlyReadsAreHeldBack() {
		ExchangeFunction next = counted((request) -> Mono.fromSupplier(() -> ok("done")));
		for (int i = 0; i < 2; i++) {
			StepVerifier
				.create(this.cooldown.filter(ClientRequest.create(HttpMethod.POST, JWKS).build(), next)
					.flatMap((response) -> response.bodyToMono(String.class)))
				.expectNext("done")
				.verifyComplete();
		}
		assertThat(this.requests).hasValue(2);
	}

	private Mono<String> body(URI url, ExchangeFunction next) {
		return this.cooldown.filter(get(url), next).flatMap((response) -> response.bodyToMono(String.class));
	}

	private static ClientRequest get(URI url) {
		return ClientRequest.create(HttpMethod.GET, url).build();
	}

	private static ClientResponse ok(String body) {
		return ClientResponse.create(HttpStatus.OK).header("Content-Type", "application/json").body(body).build();
	}

	/** The provider's answers in turn, each made only when a request is sent. */
	@SafeVarargs
	private ExchangeFunction answering(Mono<ClientResponse>... answers) {
		Queue<Mono<ClientResponse>> next = new ArrayDeque<>(List.of(answers));
		return counted((request) -> next.remove());
	}

	/** Counts the requests sent: a WebClient's exchange sends when subscribed to. */
	private ExchangeFunction counted(ExchangeFunction provider) {
		return (request) -> Mono.defer(() -> {
			this.requests.incrementAndGet();
			return provider.exchange(request);
		});
	}

}
