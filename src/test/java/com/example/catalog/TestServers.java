package com.example.catalog;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

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
 * them to the local servers), those servers are used. When none of the
 * {@code CATALOG_TEST_*} variables is set, Testcontainers starts {@code postgres:16} and
 * {@code redis:7}; without a Docker engine either, the tests fail with a message saying
 * what to provide. Half a configuration (one URL without the other, credentials without
 * the URL, an empty value) fails with a message naming what is missing, rather than
 * leaving one server to whatever {@code application.yaml} names. The tests never skip.
 * <p>
 * Each application context gets a Redis key prefix of its own, so that contexts sharing
 * one Redis never see each other's entries.
 */
public final class TestServers {

	public static final String R2DBC_URL = "CATALOG_TEST_R2DBC_URL";

	public static final String R2DBC_USERNAME = "CATALOG_TEST_R2DBC_USERNAME";

	public static final String R2DBC_PASSWORD = "CATALOG_TEST_R2DBC_PASSWORD";

	public static final String REDIS_URL = "CATALOG_TEST_REDIS_URL";

	private static final List<String> ALL_VARIABLES = List.of(R2DBC_URL, R2DBC_USERNAME, R2DBC_PASSWORD, REDIS_URL);

	private static final String BOTH_OR_NEITHER = "Set both " + R2DBC_URL
			+ " (e.g. r2dbc:postgresql://127.0.0.1:5432/catalog_test) and " + REDIS_URL
			+ " (e.g. redis://127.0.0.1:6379/15) to use servers of your own, or none of the CATALOG_TEST_* variables to "
			+ "have Testcontainers start them.";

	/** Set by tests that point the application at a Redis that is not there. */
	public static final String NO_REDIS_CONTAINER = "catalog.test.no-redis-container";

	/** Set by tests that put something between the application and PostgreSQL. */
	public static final String NO_POSTGRES_CONTAINER = "catalog.test.no-postgres-container";

	private TestServers() {
	}

	/** Where the servers come from. */
	enum Source {

		/** Both servers named by the {@code CATALOG_TEST_*} variables. */
		ENVIRONMENT,

		/** None named: Testcontainers starts them. */
		CONTAINERS

	}

	public static boolean fromEnvironment() {
		return source(System.getenv()) == Source.ENVIRONMENT;
	}

	/**
	 * Decides from these environment variables where the servers come from: both URLs set
	 * is {@link Source#ENVIRONMENT}, none of the variables set is
	 * {@link Source#CONTAINERS}, and anything in between is an error naming what is
	 * missing.
	 * @throws IllegalStateException for half a configuration
	 */
	static Source source(Map<String, String> environment) {
		List<String> empty = ALL_VARIABLES.stream()
			.filter((name) -> environment.containsKey(name) && environment.get(name).isBlank())
			.toList();
		if (!empty.isEmpty()) {
			throw new IllegalStateException(String.join(" and ", empty) + " set but empty. " + BOTH_OR_NEITHER);
		}
		List<String> set = ALL_VARIABLES.stream().filter(environment::containsKey).toList();
		if (set.isEmpty()) {
			return Source.CONTAINERS;
		}
		List<String> missing = Stream.of(R2DBC_URL, REDIS_URL).filter((name) -> !set.contains(name)).toList();
		if (missing.isEmpty()) {
			return Source.ENVIRONMENT;
		}
		throw new IllegalStateException(
				String.join(" and ", set) + " set, but not " + String.join(" and ", missing) + ". " + BOTH_OR_NEITHER);
	}

	/** The settings that point an application at the servers named by the environment. */
	public static Map<String, Object> environmentProperties() {
		return environmentProperties(System.getenv());
	}

	static Map<String, Object> environmentProperties(Map<String, String> environment) {
		if (source(environment) != Source.ENVIRONMENT) {
			throw new IllegalStateException("No servers named by the environment. " + BOTH_OR_NEITHER);
		}
		String r2dbcUrl = environment.get(R2DBC_URL);
		String username = environment.getOrDefault(R2DBC_USERNAME, "postgres");
		String password = environment.getOrDefault(R2DBC_PASSWORD, "postgres");
		// Flyway's settings are derived from the R2DBC ones when the environment is
		// prepared, which is before a test's initializer runs: name them here as well.
		return Map.of("spring.r2dbc.url", r2dbcUrl, "spring.r2dbc.username", username, "spring.r2dbc.password",
				password, "spring.flyway.url", "jdbc:" + r2dbcUrl.substring("r2dbc:".length()), "spring.flyway.user",
				username, "spring.flyway.password", password, "spring.data.redis.url", environment.get(REDIS_URL));
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
			// A test's own properties (e.g. a Redis URL nothing listens on)
			// win over the defaults.
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
