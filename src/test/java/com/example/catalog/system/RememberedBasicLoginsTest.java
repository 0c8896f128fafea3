package com.example.catalog.system;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;

import static org.assertj.core.api.Assertions.assertThat;

class RememberedBasicLoginsTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	private final AtomicInteger checks = new AtomicInteger();

	/** Accepts alice with "right", refuses everything else; counts its checks. */
	private final ReactiveAuthenticationManager passwordCheck = (login) -> Mono.defer(() -> {
		this.checks.incrementAndGet();
		if ("alice".equals(login.getName()) && "right".equals(login.getCredentials())) {
			return Mono.just(UsernamePasswordAuthenticationToken.authenticated("alice", "{noop}right",
					AuthorityUtils.createAuthorityList("ROLE_USER")));
		}
		return Mono.error(new BadCredentialsException("Invalid Credentials"));
	});

	private final RememberedBasicLogins logins = new RememberedBasicLogins(this.passwordCheck, 100, 10);

	@Test
	void aLoginThatPassedIsCheckedOnceAndNamesItsUserInItsHeader() {
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(this.logins.authenticate(login("alice", "right")))
				.assertNext((authentication) -> assertThat(authentication.getName()).isEqualTo("alice"))
				.expectComplete()
				.verify(TIMEOUT);
		}
		assertThat(this.checks).hasValue(1);
		assertThat(this.logins.usernameOf(List.of(basic("alice:right")))).isEqualTo("alice");
	}

	@Test
	void aWrongPasswordIsCheckedEveryTimeAndNeverKnown() {
		StepVerifier.create(this.logins.authenticate(login("alice", "right")))
			.expectNextCount(1)
			.expectComplete()
			.verify(TIMEOUT);
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(this.logins.authenticate(login("alice", "wrong")))
				.expectError(BadCredentialsException.class)
				.verify(TIMEOUT);
		}
		assertThat(this.checks).hasValue(3);
		assertThat(this.logins.usernameOf(List.of(basic("alice:wrong")))).isNull();
		assertThat(this.logins.usernameOf(List.of(basic("alice:right2")))).isNull();
		assertThat(this.logins.usernameOf(List.of(basic("bob:right")))).isNull();
	}

	@Test
	void onlyOneWellFormedBasicHeaderIsKnown() {
		StepVerifier.create(this.logins.authenticate(login("alice", "right")))
			.expectNextCount(1)
			.expectComplete()
			.verify(TIMEOUT);
		assertThat(this.logins.usernameOf(List.of(basic("alice:right"), basic("alice:right")))).isNull();
		assertThat(this.logins.usernameOf(List.of("Bearer " + encoded("alice:right")))).isNull();
		assertThat(this.logins.usernameOf(List.of("Basic not base64!"))).isNull();
		assertThat(this.logins.usernameOf(List.of(basic("alice-right")))).isNull();
	}

	private static UsernamePasswordAuthenticationToken login(String username, String password) {
		return UsernamePasswordAuthenticationToken.unauthenticated(username, password);
	}

	private static String basic(String credentials) {
		return "Basic " + encoded(credentials);
	}

	private static String encoded(String credentials) {
		return Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
	}

}
