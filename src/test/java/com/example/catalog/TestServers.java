package com.example.catalog;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import com.redis.testcontainers.RedisContainer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.test.context.support.TestPropertySourceUtils;

/**
 * Where integration tests find PostgreSQL and Redis.
 * <p>
 * When {@code CATALOG_TEST_R2DBC_URL} and {@code CATALOG_TEST_REDIS_URL} are set (CI sets
 * them to the local servers), those servers are used. Otherwise Testcontainers starts
 * {@code postgres:16} and {@code redis:7}. With neither, the tests fail with a message
 * saying what to provide; they never skip.
 * <p>
 * Each application context gets a Redis key prefix of its own, so that contexts sharing
 * one Redis never see each other's entries.
 */
public final class TestServers {

	public static final String R2DBC_URL = "CATALOG_TEST_R2DBC_URL";

	public static final String R2DBC_USERNAME = "CATALOG_TEST_R2DBC_USERNAME";

	public static final String R2DBC_PASSWORD = "CATALOG_TEST_R2DBC_PASSWORD";

	public static final String REDIS_URL = "CATALOG_TEST_REDIS_URL";

	/** Set by tests that point the application at a Redis that is not there. */
	public static final String NO_REDIS_CONTAINER = "catalog.test.no-redis-container";

	/** Set by tests that put something between the application and PostgreSQL. */
	public static final String NO_POSTGRES_CONTAINER = "catalog.test.no-postgres-container";

	private TestServers() {
	}

	public static boolean fromEnvironment() {
		return System.getenv(R2DBC_URL) != null && System.getenv(REDIS_URL) != null;
	}

	/** The settings that point an application at the servers named by the environment. */
	public static Map<String, Object> environmentProperties() {
		String r2dbcUrl = System.getenv(R2DBC_URL);
		String username = System.getenv().getOrDefault(R2DBC_USERNAME, "postgres");
		String password = System.getenv().getOrDefault(R2DBC_PASSWORD, "postgres");
		// Flyway's settings are derived from the R2DBC ones when the environment is
		// prepared, which is before a test's initializer runs: name them here as well.
		return Map.of("spring.r2dbc.url", r2dbcUrl, "spring.r2dbc.username", username, "spring.r2dbc.password",
				password, "spring.flyway.url", "jdbc:" + r2dbcUrl.substring("r2dbc:".length()), "spring.flyway.user",
				username, "spring.flyway.password", password, "spring.data.redis.url", System.getenv(REDIS_URL));
	}

	/**
	 * The settings of the servers for a test that starts application instances itself:
	 * those named by the environment, or else containers started once for the whole run.
	 */
	public static synchronized Map<String, Object> serverProperties() {
		if (fromEnvironment()) {
			return environmentProperties();
		}
		if (sharedContainers == null) {
			requireDocker();
			PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse("postgres:16"));
			RedisContainer redis = new RedisContainer(DockerImageName.parse("redis:7"));
			postgres.start();
			redis.start();
			String r2dbcUrl = "r2dbc:postgresql://" + postgres.getHost() + ":" + postgres.getMappedPort(5432) + "/"
					+ postgres.getDatabaseName();
			sharedContainers = Map.of("spring.r2dbc.url", r2dbcUrl, "spring.r2dbc.username", postgres.getUsername(),
					"spring.r2dbc.password", postgres.getPassword(), "spring.flyway.url", postgres.getJdbcUrl(),
					"spring.flyway.user", postgres.getUsername(), "spring.flyway.password", postgres.getPassword(),
					"spring.data.redis.url", redis.getRedisURI() + "/0");
		}
		return sharedContainers;
	}

	private static Map<String, Object> sharedContainers;

	static void requireDocker() {
		if (!DockerClientFactory.instance().isDockerAvailable()) {
			throw new IllegalStateException("Integration tests need PostgreSQL and Redis. Either set " + R2DBC_URL
					+ " (e.g. r2dbc:postgresql://127.0.0.1:5432/catalog_test), " + R2DBC_USERNAME + ", "
					+ R2DBC_PASSWORD + " and " + REDIS_URL
					+ " (e.g. redis://127.0.0.1:6379/15), or make a Docker engine available to Testcontainers.");
		}
	}

	/**
	 * Applies the servers to a test's application context: add with
	 * {@code @ContextConfiguration(initializers = TestServers.Initializer.class)}
	 * together with {@code @Import(TestServers.Containers.class)}.
	 */
	public static final class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

		@Override
		public void initialize(ConfigurableApplicationContext context) {
			Map<String, Object> properties = new HashMap<>();
			if (fromEnvironment()) {
				properties.putAll(environmentProperties());
			}
			properties.put("catalog.cache.key-prefix", "test-" + UUID.randomUUID().toString().substring(0, 8));
			// A test's own properties (e.g. a Redis URL nothing listens on) win over the
			// defaults.
			PropertySource<?> inlined = context.getEnvironment()
				.getPropertySources()
				.get(TestPropertySourceUtils.INLINED_PROPERTIES_PROPERTY_SOURCE_NAME);
			if (inlined != null) {
				properties.keySet().removeIf(inlined::containsProperty);
			}
			context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("testServers", properties));
		}

	}

	/**
	 * Containers, used only when the environment names no servers; Spring starts them
	 * with the context and stops them when it closes.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	public static class Containers {

		@Bean
		@ServiceConnection
		@ConditionalOnExpression("#{environment['" + R2DBC_URL + "'] == null && environment['" + NO_POSTGRES_CONTAINER
				+ "'] == null}")
		PostgreSQLContainer postgres() {
			requireDocker();
			return new PostgreSQLContainer(DockerImageName.parse("postgres:16"));
		}

		@Bean
		@ServiceConnection
		@ConditionalOnExpression("#{environment['" + REDIS_URL + "'] == null && environment['" + NO_REDIS_CONTAINER
				+ "'] == null}")
		RedisContainer redis() {
			requireDocker();
			return new RedisContainer(DockerImageName.parse("redis:7"));
		}

	}

}
