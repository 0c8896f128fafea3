package com.example.catalog.system;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may call the service: accounts checked with HTTP Basic and, when
 * {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} or {@code .jwk-set-uri} is
 * set, bearer tokens from that identity provider. There is no built-in account: without
 * any, only the public reads work.
 *
 * @param users accounts by user name
 * @param basicEnabled {@code false} turns HTTP Basic off, leaving only bearer tokens
 * @param jwt how a bearer token's claims are read
 */
@Validated
@ConfigurationProperties("catalog.security")
public record SecurityProperties(@DefaultValue Map<String, @Valid Account> users,
		@DefaultValue("true") boolean basicEnabled, @DefaultValue @Valid Jwt jwt) {

	/**
	 * @param password the password with Spring's {@code {id}} encoding prefix, for
	 * example {@code {noop}secret} or {@code {bcrypt}$2a$...}
	 * @param roles {@code EDITOR} (may change the catalog and purge the cache),
	 * {@code OPS} (may purge the cache) and/or {@code USER}
	 */
	public record Account(@NotBlank String password, @NotEmpty List<String> roles) {

	}

	/**
	 * @param rolesClaim the claim holding the caller's roles, a list or a space-separated
	 * string of {@code EDITOR}, {@code OPS}, {@code USER}; when no claim has this exact
	 * name, a dotted name is followed into nested objects ({@code realm_access.roles})
	 * @param audience when set, a token must name it in {@code aud}
	 * @param writeScope a scope ({@code scope} or {@code scp}) that counts as the
	 * {@code EDITOR} role
	 * @param jwksRefetchCooldown the least time between two fetches of the provider's JWK
	 * set: a token naming a key id the cached set lacks has it fetched again (keys rotate
	 * without a restart), unless the last fetch was more recent, so that tokens with
	 * made-up key ids cannot turn into one request to the provider each; a key the
	 * provider starts signing with is found within this time
	 */
	public record Jwt(@DefaultValue("roles") @NotBlank String rolesClaim, String audience,
			@DefaultValue("catalog:write") @NotBlank String writeScope,
			@DefaultValue("5s") Duration jwksRefetchCooldown) {

	}

}
