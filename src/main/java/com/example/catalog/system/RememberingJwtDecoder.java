package com.example.catalog.system;

import java.time.Clock;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Remembers the tokens it has seen valid until they expire, so that a client sending the
 * same token again and again (every request, as clients do) pays for parsing and the
 * signature check once. Only a token that passed every check is remembered, under its
 * whole compact form, so a changed byte is a different token checked anew; an expired one
 * is checked anew (and refused) by the decoder.
 */
final class RememberingJwtDecoder implements ReactiveJwtDecoder {

	private final ReactiveJwtDecoder decoder;

	private final Clock clock;

	private final Cache<String, Jwt> valid;

	RememberingJwtDecoder(ReactiveJwtDecoder decoder, Clock clock, long maximumSize) {
		this.decoder = decoder;
		this.clock = clock;
		this.valid = Caffeine.newBuilder().maximumSize(maximumSize).build();
	}

	@Override
	public Mono<Jwt> decode(String token) {
		Jwt known = this.valid.getIfPresent(token);
		if (known != null) {
			if (unexpired(known)) {
				return Mono.just(known);
			}
			this.valid.invalidate(token);
		}
		return this.decoder.decode(token).doOnNext((jwt) -> {
			if (jwt.getExpiresAt() != null) {
				this.valid.put(token, jwt);
			}
		});
	}

	/**
	 * Whether {@link #decode} would answer {@code token} from memory now: it passed every
	 * check before and has not expired since.
	 */
	boolean remembersValid(String token) {
		return remembered(token) != null;
	}

	/**
	 * The token as {@link #decode} would answer it from memory now, or {@code null} when
	 * it would check it.
	 */
	Jwt remembered(String token) {
		Jwt known = this.valid.getIfPresent(token);
		return (known != null && unexpired(known)) ? known : null;
	}

	private boolean unexpired(Jwt jwt) {
		Instant expiresAt = jwt.getExpiresAt();
		return expiresAt != null && this.clock.instant().isBefore(expiresAt);
	}

}
