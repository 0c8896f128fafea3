package com.example.catalog.system;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.Answers;
import org.mockito.ArgumentCaptor;
import org.mockito.Mockito;
import org.mockito.stubbing.Answer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.CacheScope;
import com.example.catalog.cache.ResponseCache;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

/**
 * Who may do what, on the web layer only: {@link SecurityConfiguration} in front of the
 * real controllers and exception handler, with their collaborators mocked.
 * <p>
 * The controllers' repositories and {@code ItemWrites} are package-private classes of
 * other packages, so they cannot be named here for {@code @MockitoBean}; they are
 * registered as Mockito mocks by class name instead (see
 * {@link PackagePrivateCollaborators}), answering every reactive call with an empty
 * publisher. The response cache is public and mocked with {@code @MockitoBean}.
 */
@WebFluxTest(properties = { "catalog.security.users.editor.password={noop}editor-secret",
		"catalog.security.users.editor.roles=EDITOR", "catalog.security.users.alice.password={noop}alice-secret",
		"catalog.security.users.alice.roles=USER", "catalog.security.users.bob.password={noop}bob-secret",
		"catalog.security.users.bob.roles=USER", "catalog.security.users.ops.password={noop}ops-secret",
		"catalog.security.users.ops.roles=OPS" })
@Import({ SecurityConfiguration.class, ClientLimits.class, SecurityWebFluxTest.PackagePrivateCollaborators.class,
		SecurityWebFluxTest.CountingSessionManager.class, SimpleMeterRegistry.class })
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityWebFluxTest {

	private static final String CAROL_PASSWORD = "carol-bcrypt-secret";

	private static final String VALID_ITEM = """
			{"sku":"SEC-1","name":"Secure","category":"security","priceCents":100}""";

	@Autowired
	WebTestClient client;

	@Autowired
	SessionsOpened sessions;

	@Autowired
	ApplicationContext context;

	@MockitoBean
	ResponseCache cache;

	/** An account whose password is stored as a bcrypt hash made here. */
	@DynamicPropertySource
	static void bcryptAccount(DynamicPropertyRegistry registry) {
		String hash = new BCryptPasswordEncoder().encode(CAROL_PASSWORD);
		registry.add("catalog.security.users.carol.password", () -> "{bcrypt}" + hash);
		registry.add("catalog.security.users.carol.roles", () -> "user, editor");
	}

	@BeforeEach
	void cacheAnswersWithAnEmptyPage() {
		given(this.cache.respond(any(), any(), any(), any())).willAnswer((invocation) -> Mono.just(ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_JSON)
			.body(ByteBuffer.wrap("{\"items\":[]}".getBytes(StandardCharsets.UTF_8)))));
	}

	@Test
	void purgeWhenEditorOrOperatorThenAcceptedAndOtherwiseRefused() {
		given(this.cache.invalidate(any(), any())).willReturn(Mono.empty());
		purge((headers) -> {
		}).expectStatus().isUnauthorized();
		purge(basic("alice", "alice-secret")).expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		verifyNoInteractions(this.cache);
		purge(basic("editor", "editor-secret")).expectStatus().isAccepted();
		purge(basic("ops", "ops-secret")).expectStatus().isAccepted();
		verify(this.cache, Mockito.times(2)).invalidate(any(), any());
	}

	private WebTestClient.ResponseSpec purge(Consumer<HttpHeaders> credentials) {
		return this.client.post()
			.uri("/admin/cache/purge")
			.headers(credentials)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"everything\":true}")
			.exchange();
	}

	@Test
	void getCatalogWhenAnonymousThenAllowed() {
		this.client.get().uri("/catalog").exchange().expectStatus().isOk();
		this.client.get().uri("/catalog/items/7").exchange().expectStatus().isOk();
		getAs("/catalog?category=books&limit=5", basic("alice", "alice-secret")).expectStatus().isOk();
	}

	@Test
	void noRequestOpensAWebSession() {
		this.client.get().uri("/catalog").exchange().expectStatus().isOk();
		getAs("/catalog/items/7", basic("alice", "alice-secret")).expectStatus().isOk();
		this.client.get().uri("/me/favorites").exchange().expectStatus().isUnauthorized();
		postItem(VALID_ITEM, basic("alice", "alice-secret")).expectStatus().isForbidden();
		assertThat(this.sessions.opened).hasValue(0);
	}

	@Test
	void publicReadsShareOneCacheKeyWhoeverCalls() {
		this.client.get().uri("/catalog/items/7").exchange().expectStatus().isOk();
		getAs("/catalog/items/7", basic("alice", "alice-secret")).expectStatus().isOk();
		getAs("/catalog/items/7", basic("editor", "editor-secret")).expectStatus().isOk();
		List<CacheKey> keys = cacheKeys(3);
		assertThat(keys).allSatisfy((key) -> assertThat(key.scope()).isEqualTo(CacheScope.PUBLIC));
		assertThat(keys).containsOnly(keys.get(0));
	}

	@Test
	void postWhenNoCredentialsThenUnauthorizedWithWwwAuthenticate() {
		postItem(VALID_ITEM, (headers) -> {
		}).expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"catalog\"")
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(401)
			.jsonPath("$.title")
			.isEqualTo("Unauthorized");
	}

	@Test
	void postWhenWrongPasswordThenUnauthorized() {
		postItem(VALID_ITEM, basic("editor", "not-the-secret")).expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"catalog\"")
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void postWhenUnknownUserThenUnauthorized() {
		postItem(VALID_ITEM, basic("mallory", "editor-secret")).expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"catalog\"");
	}

	@Test
	void malformedAuthorizationHeaderIsUnauthorizedNeverServerError() {
		for (String authorization : List.of("Basic !!!not-base64!!!",
				"Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)), "Basic ",
				"Basic " + Base64.getEncoder().encodeToString(":".getBytes(StandardCharsets.UTF_8)))) {
			this.client.post()
				.uri("/catalog/items")
				.header(HttpHeaders.AUTHORIZATION, authorization)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(VALID_ITEM)
				.exchange()
				.expectStatus()
				.value((status) -> assertThat(status).as(authorization).isEqualTo(401));
		}
	}

	@Test
	void postWhenNotEditorThenForbidden() {
		postItem(VALID_ITEM, basic("alice", "alice-secret")).expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(403)
			.jsonPath("$.title")
			.isEqualTo("Forbidden");
	}

	@Test
	void otherSpellingsOfTheItemsPathNeverReachTheControllerUnauthenticated() {
		// 400: refused by Spring Security's firewall; 401: the spelling means
		// /catalog/items and needs credentials; 404: no such route
		for (String path : List.of("/catalog/items/", "/catalog/items;a=b", "/catalog//items", "/CATALOG/items",
				"/catalog/items%2F", "/catalog/%69tems", "/catalog/./items", "/catalog/x/../items",
				"/catalog/items%3Ba=b", "/catalog%5Citems")) {
			this.client.post()
				.uri(URI.create(path))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(VALID_ITEM)
				.exchange()
				.expectStatus()
				.value((status) -> assertThat(status).as(path).isIn(400, 401, 404));
		}
		verifyNoInteractions(this.cache, this.context.getBean("com.example.catalog.catalog.ItemWrites"));
	}

	@Test
	void requestsTheFirewallRejectsAreProblemJson() {
		for (String path : List.of("/catalog/items;a=b", "/catalog;a=b", "/me/favorites;a=b", "/catalog//items")) {
			this.client.get()
				.uri(URI.create(path))
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.status")
				.isEqualTo(400)
				.jsonPath("$.title")
				.isNotEmpty();
		}
	}

	@Test
	void putAndDeleteWhenNotEditorThenForbidden() {
		this.client.put()
			.uri("/catalog/items/7")
			.headers(basic("bob", "bob-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(VALID_ITEM)
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.delete()
			.uri("/catalog/items/7")
			.headers(basic("bob", "bob-secret"))
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.delete().uri("/catalog/items/7").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void deleteWhenEditorThenReachesTheController() {
		this.client.delete()
			.uri("/catalog/items/7")
			.headers(basic("editor", "editor-secret"))
			.exchange()
			.expectStatus()
			.isNoContent();
	}

	@Test
	void postWhenEditorThenTheBodyIsValidated() {
		postItem("{\"name\":\"No sku\",\"category\":\"security\",\"priceCents\":1}", basic("editor", "editor-secret"))
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.field")
			.isEqualTo("sku");
	}

	@Test
	void securityComesBeforeBodyChecks() {
		this.client.post()
			.uri("/catalog/items")
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("not json")
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.client.post()
			.uri("/catalog/items")
			.headers(basic("alice", "alice-secret"))
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("not json")
			.exchange()
			.expectStatus()
			.isForbidden();
	}

	@Test
	void favoritesWhenAnonymousThenUnauthorized() {
		this.client.get()
			.uri("/me/favorites")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"catalog\"")
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		this.client.put().uri("/me/favorites/7").exchange().expectStatus().isUnauthorized();
		this.client.delete().uri("/me/favorites/7").exchange().expectStatus().isUnauthorized();
		this.client.get()
			.uri("/me/favorites")
			.headers(basic("alice", "bob-secret"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		verifyNoInteractions(this.cache);
	}

	@Test
	void favoritesWhenAuthenticatedThenCachedPerPrincipal() {
		for (String[] account : List.of(new String[] { "alice", "alice-secret" }, new String[] { "bob", "bob-secret" },
				new String[] { "editor", "editor-secret" }, new String[] { "alice", "alice-secret" })) {
			this.client.get()
				.uri("/me/favorites")
				.headers(basic(account[0], account[1]))
				.exchange()
				.expectStatus()
				.isOk();
		}
		List<CacheKey> keys = cacheKeys(4);
		assertThat(keys).allSatisfy((key) -> assertThat(key.scope()).isEqualTo(CacheScope.PRINCIPAL));
		assertThat(keys.get(0)).isNotEqualTo(keys.get(1)).isNotEqualTo(keys.get(2)).isEqualTo(keys.get(3));
		assertThat(keys.get(1)).isNotEqualTo(keys.get(2));
		assertThat(keys).allSatisfy((key) -> assertThat(key.toString()).doesNotContain("alice", "bob", "editor"));
	}

	@Test
	void bcryptPasswordsAreAccepted() {
		this.client.get().uri("/me/favorites").headers(basic("carol", CAROL_PASSWORD)).exchange().expectStatus().isOk();
		// roles are read case-insensitively from a comma list: "user, editor"
		this.client.delete()
			.uri("/catalog/items/7")
			.headers(basic("carol", CAROL_PASSWORD))
			.exchange()
			.expectStatus()
			.isNoContent();
		this.client.get()
			.uri("/me/favorites")
			.headers(basic("carol", CAROL_PASSWORD + "x"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

	@Test
	void defaultSecurityHeadersArePresent() {
		for (WebTestClient.ResponseSpec response : List.of(this.client.get().uri("/catalog").exchange(),
				this.client.get().uri("/me/favorites").exchange(),
				postItem(VALID_ITEM, basic("alice", "alice-secret")))) {
			response.expectHeader()
				.valueEquals("X-Content-Type-Options", "nosniff")
				.expectHeader()
				.valueEquals("X-Frame-Options", "DENY")
				.expectHeader()
				.valueEquals("X-XSS-Protection", "0")
				.expectHeader()
				.doesNotExist(HttpHeaders.SET_COOKIE);
		}
		// a response that sets no caching of its own is not to be stored
		this.client.get()
			.uri("/me/favorites")
			.exchange()
			.expectHeader()
			.value(HttpHeaders.CACHE_CONTROL, (value) -> assertThat(value).contains("no-store"));
	}

	@Test
	void problemsAreProblemJson() {
		Consumer<HttpHeaders> editor = basic("editor", "editor-secret");
		Map<WebTestClient.ResponseSpec, HttpStatus> problems = Map.of(this.client.get().uri("/me/favorites").exchange(),
				HttpStatus.UNAUTHORIZED, postItem(VALID_ITEM, basic("bob", "bob-secret")), HttpStatus.FORBIDDEN,
				postItem("{\"sku\":", editor), HttpStatus.BAD_REQUEST,
				this.client.post()
					.uri("/catalog/items")
					.headers(editor)
					.contentType(MediaType.TEXT_PLAIN)
					.bodyValue(VALID_ITEM)
					.exchange(),
				HttpStatus.UNSUPPORTED_MEDIA_TYPE,
				postItem("{\"description\":\"" + "x".repeat(70 * 1024) + "\"}", editor), HttpStatus.CONTENT_TOO_LARGE,
				this.client.get().uri("/catalog/items/not-a-number").exchange(), HttpStatus.BAD_REQUEST,
				this.client.get().uri("/no-such-thing").exchange(), HttpStatus.NOT_FOUND);
		problems.forEach((response, status) -> response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(status.value())
			.jsonPath("$.title")
			.isNotEmpty());
	}

	private WebTestClient.ResponseSpec getAs(String uri, Consumer<HttpHeaders> credentials) {
		return this.client.get().uri(uri).headers(credentials).exchange();
	}

	private WebTestClient.ResponseSpec postItem(String json, Consumer<HttpHeaders> credentials) {
		return this.client.post()
			.uri("/catalog/items")
			.headers(credentials)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json)
			.exchange();
	}

	private List<CacheKey> cacheKeys(int calls) {
		ArgumentCaptor<CacheKey> keys = ArgumentCaptor.forClass(CacheKey.class);
		verify(this.cache, atLeastOnce()).respond(keys.capture(), any(), any(), any());
		assertThat(keys.getAllValues()).hasSize(calls);
		return new ArrayList<>(keys.getAllValues());
	}

	private static Consumer<HttpHeaders> basic(String user, String password) {
		return (headers) -> headers.setBasicAuth(user, password);
	}

	/** Counts the requests whose WebSession was asked for. */
	static final class SessionsOpened {

		final AtomicInteger opened = new AtomicInteger();

	}

	@TestConfiguration(proxyBeanMethods = false)
	static class CountingSessionManager {

		@Bean
		SessionsOpened sessionsOpened() {
			return new SessionsOpened();
		}

		@Bean
		WebSessionManager webSessionManager(SessionsOpened sessions) {
			WebSessionManager manager = new DefaultWebSessionManager();
			return (exchange) -> Mono.defer(() -> {
				sessions.opened.incrementAndGet();
				return manager.getSession(exchange);
			});
		}

	}

	/**
	 * Registers Mockito mocks of the controllers' package-private collaborators, which
	 * this package cannot name as types. Reactive methods complete empty.
	 */
	static class PackagePrivateCollaborators implements ImportBeanDefinitionRegistrar {

		private static final Answer<Object> EMPTY_PUBLISHERS = (invocation) -> {
			Class<?> returned = invocation.getMethod().getReturnType();
			if (returned == Mono.class) {
				return Mono.empty();
			}
			if (returned == Flux.class) {
				return Flux.empty();
			}
			return Answers.RETURNS_DEFAULTS.answer(invocation);
		};

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			for (String name : List.of("com.example.catalog.catalog.ItemRepository",
					"com.example.catalog.catalog.ItemPages", "com.example.catalog.catalog.ItemWrites",
					"com.example.catalog.catalog.WritesProperties",
					"com.example.catalog.favorites.FavoriteRepository")) {
				registry.registerBeanDefinition(name,
						mockDefinition(ClassUtils.resolveClassName(name, getClass().getClassLoader())));
			}
		}

		private static <T> RootBeanDefinition mockDefinition(Class<T> type) {
			return new RootBeanDefinition(type, () -> Mockito.mock(type, EMPTY_PUBLISHERS));
		}

	}

}
