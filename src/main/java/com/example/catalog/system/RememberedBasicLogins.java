package com.example.catalog.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;

/**
 * HTTP Basic logins that passed the password check, remembered for a while so that a
 * client sending the same credentials with every request (as Basic clients do) pays for
 * the check once: with {@code {bcrypt}} passwords that check is tens of milliseconds of
 * CPU per request. The accounts come from configuration and cannot change while the
 * service runs, so a login that passed passes again. Only what passed is remembered,
 * under a digest of user name and password, so a wrong password is checked, and refused,
 * every time.
 * <p>
 * The same memory tells the cache's near-hit handler which {@code Authorization} headers
 * Spring Security would accept ({@link KnownCredentials}).
 */
final class RememberedBasicLogins implements ReactiveAuthenticationManager {

	private static final String BASIC = "Basic ";

	private final ReactiveAuthenticationManager passwordCheck;

	private final Cache<String, Authentication> passed;

	RememberedBasicLogins(ReactiveAuthenticationManager passwordCheck, long maximumSize, long forMinutes) {
		this.passwordCheck = passwordCheck;
		this.passed = Caffeine.newBuilder()
			.maximumSize(maximumSize)
			.expireAfterWrite(forMinutes, TimeUnit.MINUTES)
			.build();
	}

	@Override
	public Mono<Authentication> authenticate(Authentication authentication) {
		if (!(authentication instanceof UsernamePasswordAuthenticationToken login)
				|| !(login.getCredentials() instanceof String password)) {
			return this.passwordCheck.authenticate(authentication);
		}
		String key = key(login.getName(), password);
		Authentication known = this.passed.getIfPresent(key);
		if (known != null) {
			return Mono.just(known);
		}
		return this.passwordCheck.authenticate(authentication).doOnNext((checked) -> this.passed.put(key, checked));
	}

	/**
	 * The user name of one {@code Authorization: Basic} header whose login passed before,
	 * or {@code null}.
	 */
	String usernameOf(List<String> authorization) {
		if (authorization.size() != 1 || !authorization.get(0).startsWith(BASIC)) {
			return null;
		}
		String decoded;
		try {
			decoded = new String(Base64.getDecoder().decode(authorization.get(0).substring(BASIC.length())),
					StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		int colon = decoded.indexOf(':');
		if (colon < 0) {
			return null;
		}
		String username = decoded.substring(0, colon);
		Authentication known = this.passed.getIfPresent(key(username, decoded.substring(colon + 1)));
		return (known != null) ? known.getName() : null;
	}

	private static String key(String username, String password) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			digest.update(username.getBytes(StandardCharsets.UTF_8));
			digest.update((byte) 0);
			digest.update(password.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
