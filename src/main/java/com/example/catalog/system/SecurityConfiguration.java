package com.example.catalog.system;

import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.catalog.CatalogPaths;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.UserDetailsRepositoryReactiveAuthenticationManager;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.web.server.ServerWebExchange;

/**
 * HTTP Basic against the accounts of {@code catalog.security.users} and, when an identity
 * provider is configured ({@link JwtConfiguration}), bearer tokens it signed. Reads of
 * the catalog are public; changes need the {@code EDITOR} role; favourites need any
 * account. No session is kept: every request carries its credentials.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	static final String REALM = "catalog";

	private static final String ITEMS_AND_BELOW = CatalogPaths.ITEMS + "/**";

	private static final long REMEMBERED_LOGINS = 10_000;

	/**
	 * How long a login that passed is taken as passing: the accounts cannot change while
	 * the service runs, so this only bounds how long a password lingers in memory as a
	 * digest after its client stopped using it.
	 */
	private static final long REMEMBERED_LOGINS_MINUTES = 10;

	/**
	 * Where the caller's own resources live (favourites at {@code /me/favorites}), all of
	 * which need an account.
	 */
	private static final String CALLERS_OWN = "/me";

	/** Operations on the service itself, such as purging the cache. */
	private static final String ADMINISTRATION = "/admin";

	@Bean
	SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http, JsonMapper jsonMapper,
			SecurityProperties properties, ObjectProvider<ReactiveJwtDecoder> jwtDecoder,
			ObjectProvider<JwtAuthorities> jwtAuthorities, RememberedBasicLogins basicLogins) {
		ReactiveJwtDecoder decoder = jwtDecoder.getIfAvailable();
		Challenges challenges = new Challenges(properties.basicEnabled(), decoder != null, jsonMapper);
		http.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			// Spring Security's default request cache opens a WebSession for every
			// GET (its id made on a bounded-elastic thread) to look for a request
			// saved before a login page: there is no login page here.
			.requestCache((cache) -> cache.requestCache(NoOpServerRequestCache.getInstance()));
		if (properties.basicEnabled()) {
			http.httpBasic((basic) -> basic.authenticationManager(basicLogins)
				.authenticationEntryPoint(challenges::unauthorized));
		}
		else {
			http.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable);
		}
		if (decoder != null) {
			http.oauth2ResourceServer((resourceServer) -> resourceServer
				.jwt((jwt) -> jwt.jwtDecoder(decoder).jwtAuthenticationConverter(jwtAuthorities.getObject()))
				.authenticationEntryPoint(challenges::invalidToken)
				.authenticationFailureHandler(challenges::bearerFailure));
		}
		return http
			.exceptionHandling((handling) -> handling.authenticationEntryPoint(challenges::unauthorized)
				.accessDeniedHandler(challenges::forbidden))
			.authorizeExchange((exchanges) -> exchanges.pathMatchers(HttpMethod.GET, CatalogPaths.PAGE, ITEMS_AND_BELOW)
				.permitAll()
				.pathMatchers(HttpMethod.POST, CatalogPaths.ITEMS)
				.hasRole("EDITOR")
				.pathMatchers(HttpMethod.PUT, ITEMS_AND_BELOW)
				.hasRole("EDITOR")
				.pathMatchers(HttpMethod.DELETE, ITEMS_AND_BELOW)
				.hasRole("EDITOR")
				.pathMatchers(CALLERS_OWN, CALLERS_OWN + "/**")
				.authenticated()
				.pathMatchers(ADMINISTRATION + "/**")
				.hasAnyRole("EDITOR", "OPS")
				.anyExchange()
				.permitAll())
			.build();
	}

	/**
	 * The accounts' password check, remembering the logins that passed: the check Spring
	 * Security would make, once per user name and password.
	 */
	@Bean
	RememberedBasicLogins rememberedBasicLogins(ReactiveUserDetailsService users, PasswordEncoder passwordEncoder) {
		UserDetailsRepositoryReactiveAuthenticationManager passwordCheck = new UserDetailsRepositoryReactiveAuthenticationManager(
				users);
		passwordCheck.setPasswordEncoder(passwordEncoder);
		return new RememberedBasicLogins(passwordCheck, REMEMBERED_LOGINS, REMEMBERED_LOGINS_MINUTES);
	}

	/**
	 * What the cache's near-hit handler may take as an anonymous request's credentials.
	 */
	@Bean
	KnownCredentials knownCredentials(SecurityProperties properties, RememberedBasicLogins basicLogins,
			ObjectProvider<RememberedBearerTokens> bearerTokens) {
		return new KnownCredentials(properties.basicEnabled() ? basicLogins : null, bearerTokens.getIfAvailable());
	}

	/**
	 * Requests Spring Security's firewall refuses are 400 problems like every other
	 * error.
	 */
	@Bean
	ServerExchangeRejectedHandler exchangeRejectedHandler(JsonMapper jsonMapper) {
		return (exchange, ex) -> writeProblem(exchange, jsonMapper, HttpStatus.BAD_REQUEST, "Bad request",
				"The request was rejected: the path or a header is not allowed");
	}

	/**
	 * Spring's delegating encoder ({@code {noop}}, {@code {bcrypt}}, ...), except that it
	 * never asks for an upgrade: passwords come from configuration, where an upgraded
	 * hash could not be stored, so the "upgrade" would only re-hash with bcrypt on every
	 * request.
	 */
	@Bean
	PasswordEncoder passwordEncoder() {
		PasswordEncoder delegate = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		return new PasswordEncoder() {

			@Override
			public String encode(CharSequence rawPassword) {
				return delegate.encode(rawPassword);
			}

			@Override
			public boolean matches(CharSequence rawPassword, String encodedPassword) {
				return delegate.matches(rawPassword, encodedPassword);
			}

			@Override
			public boolean upgradeEncoding(String encodedPassword) {
				return false;
			}

		};
	}

	@Bean
	ReactiveUserDetailsService userDetailsService(SecurityProperties properties) {
		Map<String, UserDetails> users = properties.users()
			.entrySet()
			.stream()
			.collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
					(entry) -> User.withUsername(entry.getKey())
						.password(entry.getValue().password())
						.roles(entry.getValue()
							.roles()
							.stream()
							.map(String::trim)
							.map(String::toUpperCase)
							.toArray(String[]::new))
						.build()));
		return (username) -> Mono.justOrEmpty(users.get(username)).map((user) -> User.withUserDetails(user).build());
	}

	static Mono<Void> writeProblem(ServerWebExchange exchange, JsonMapper jsonMapper, HttpStatus status, String title,
			String detail) {
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		var problem = Problems.problem(status, title, detail);
		try {
			problem.setInstance(URI.create(exchange.getRequest().getPath().value()));
		}
		catch (IllegalArgumentException ex) {
			// A path that is no valid URI reference is not echoed.
		}
		DataBuffer buffer = response.bufferFactory().wrap(jsonMapper.writeValueAsBytes(Problems.members(problem)));
		return response.writeWith(Mono.just(buffer));
	}

}
