package com.example.catalog.system;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A token seen valid is not checked again until it expires; a token that failed is
 * checked every time.
 */
class RememberingJwtDecoderTest {

	private static final Instant START = Instant.parse("2026-11-30T12:00:00Z");

	private final AtomicReference<Instant> now = new AtomicReference<>(START);

	private final AtomicInteger checks = new AtomicInteger();

	private final Clock clock = new Clock() {

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return RememberingJwtDecoderTest.this.now.get();
		}

	};

	/**
	 * Valid for a minute from START, unless the token says "bad"; refused once expired.
	 */
	private final ReactiveJwtDecoder checking = (token) -> {
		this.checks.incrementAndGet();
		if (token.equals("bad") || !this.now.get().isBefore(START.plusSeconds(60))) {
			return Mono.error(new BadJwtException("not valid"));
		}
		return Mono.just(Jwt.withTokenValue(token)
			.header("alg", "RS256")
			.subject("s")
			.issuedAt(START)
			.expiresAt(START.plusSeconds(60))
			.build());
	};

	private final RememberingJwtDecoder decoder = new RememberingJwtDecoder(this.checking, this.clock, 100);

	@Test
	void aValidTokenIsCheckedOnceUntilItExpires() {
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(this.decoder.decode("good")).expectNextCount(1).verifyComplete();
		}
		assertThat(this.checks).hasValue(1);
		this.now.set(START.plusSeconds(60));
		StepVerifier.create(this.decoder.decode("good")).verifyError(BadJwtException.class);
		assertThat(this.checks).hasValue(2);
	}

	@Test
	void onlyATokenThatPassedAndHasNotExpiredIsRememberedValid() {
		assertThat(this.decoder.remembersValid("good")).as("never decoded").isFalse();
		StepVerifier.create(this.decoder.decode("good")).expectNextCount(1).verifyComplete();
		StepVerifier.create(this.decoder.decode("bad")).verifyError(BadJwtException.class);
		assertThat(this.decoder.remembersValid("good")).isTrue();
		assertThat(this.decoder.remembersValid("bad")).isFalse();
		assertThat(this.decoder.remembersValid("good ")).as("another token").isFalse();
		this.now.set(START.plusSeconds(60));
		assertThat(this.decoder.remembersValid("good")).as("expired").isFalse();
		assertThat(this.checks).as("asking checks nothing").hasValue(2);
	}

	@Test
	void onlyOneBearerHeaderWithARememberedTokenIsKnownValid() {
		StepVerifier.create(this.decoder.decode("good")).expectNextCount(1).verifyComplete();
		RememberedBearerTokens bearer = new RememberedBearerTokens(this.decoder);
		assertThat(bearer.knownValid(List.of("Bearer good"))).isTrue();
		assertThat(bearer.knownValid(List.of("Bearer bad"))).isFalse();
		assertThat(bearer.knownValid(List.of("Basic good"))).isFalse();
		assertThat(bearer.knownValid(List.of("good"))).isFalse();
		assertThat(bearer.knownValid(List.of("Bearer good", "Bearer good"))).isFalse();
	}

	@Test
	void aRefusedTokenIsCheckedEveryTime() {
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(this.decoder.decode("bad")).verifyError(BadJwtException.class);
		}
		assertThat(this.checks).hasValue(3);
	}

}
