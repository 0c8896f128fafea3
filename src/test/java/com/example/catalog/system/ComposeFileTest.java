package com.example.catalog.system;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import com.example.catalog.CatalogServiceApplication;
import com.example.catalog.TestServers;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.context.reactive.StandardReactiveWebEnvironment;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compose file ({@code docker-compose.yml}) describes a stack that works: its app
 * service's settings are ones the application accepts, and the services around it fit
 * together.
 * <p>
 * {@link #composeSettingsStartAServingApplication()} starts the application in this JVM
 * with exactly the app service's environment, as environment variables (so they bind by
 * relaxed binding, as in the container). Only where PostgreSQL and Redis are changes: the
 * compose service names {@code postgres} and {@code redis} exist only inside the compose
 * network, so the servers named by {@code CATALOG_TEST_*} (see {@link TestServers}) are
 * used instead, with a database created for this test and a Redis key prefix of its own.
 * Without those variables the test fails; it never skips.
 */
class ComposeFileTest {

	private static final Path COMPOSE_FILE = Path.of(System.getProperty("basedir", "."), "docker-compose.yml");

	/** {@code r2dbc:[pool:]postgresql://authority[/database][?options]}. */
	private static final Pattern R2DBC_POSTGRES_URL = Pattern
		.compile("^(r2dbc:(?:pool:)?postgres(?:ql)?://)([^/?]*)(?:/([^?]*))?(\\?.*)?$");

	@Test
	void composeSettingsStartAServingApplication() throws Exception {
		requireTestServers();
		Map<String, String> compose = environment(service("app"));
		String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		String database = "compose_test_" + suffix;
		String keyPrefix = "compose-test-" + suffix;
		Map<String, String> settings = pointAtTestServers(compose, database);
		createDatabase(database);
		try {
			try (ConfigurableApplicationContext context = start(settings, keyPrefix)) {
				WebTestClient client = WebTestClient.bindToServer()
					.baseUrl("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"))
					.responseTimeout(Duration.ofSeconds(15))
					.build();
				client.get()
					.uri("/actuator/health")
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody()
					.jsonPath("$.status")
					.isEqualTo("UP");
				// CATALOG_DEMO_DATA=true filled the new, empty database
				client.get()
					.uri("/catalog?limit=5")
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody()
					.jsonPath("$.items.length()")
					.isEqualTo(5);
				String item = """
						{"sku":"COMPOSE-%s","name":"Compose check","description":"Created by ComposeFileTest",\
						"category":"testing","priceCents":1299}""".formatted(suffix);
				String editor = users(compose, "EDITOR").get(0);
				post(client, compose, editor, item).expectStatus()
					.isCreated()
					.expectHeader()
					.exists("Location")
					.expectBody()
					.jsonPath("$.sku")
					.isEqualTo("COMPOSE-" + suffix);
				// alice and bob log in (a wrong password is a 401) but may not edit
				for (String user : users(compose, "USER")) {
					post(client, compose, user, item).expectStatus().isEqualTo(HttpStatus.FORBIDDEN);
				}
			}
		}
		finally {
			try {
				dropDatabase(database);
			}
			finally {
				deleteKeys(keyPrefix);
			}
		}
	}

	@Test
	void appUsesTheDatabaseAndCredentialsOfThePostgresService() throws IOException {
		Map<String, String> app = environment(service("app"));
		Map<String, String> postgres = environment(service("postgres"));
		Matcher url = r2dbcUrl(require(app, "SPRING_R2DBC_URL"));
		assertThat(url.group(2)).isEqualTo("postgres:5432");
		assertThat(url.group(3))
			.isEqualTo(postgres.getOrDefault("POSTGRES_DB", postgres.getOrDefault("POSTGRES_USER", "postgres")));
		assertThat(require(app, "SPRING_R2DBC_USERNAME")).isEqualTo(postgres.getOrDefault("POSTGRES_USER", "postgres"));
		assertThat(require(app, "SPRING_R2DBC_PASSWORD")).isEqualTo(require(postgres, "POSTGRES_PASSWORD"));
		assertThat(require(app, "SPRING_DATA_REDIS_URL")).startsWith("redis://redis:6379/");
	}

	@Test
	void onlyTheApplicationPortIsPublished() throws IOException {
		assertThat(service("app").get("ports")).asString().isEqualTo("[8080:8080]");
		assertThat(service("postgres")).doesNotContainKeys("ports");
		assertThat(service("redis")).doesNotContainKeys("ports");
	}

	/**
	 * Every cached response carries a TTL; the generation counters that invalidate them
	 * have none and must survive memory pressure.
	 */
	@Test
	void redisEvictsOnlyEntriesWithATimeToLive() throws IOException {
		Object command = service("redis").get("command");
		List<String> arguments = (command instanceof List<?> list) ? list.stream().map(String::valueOf).toList()
				: Arrays.asList(String.valueOf(command).split("\\s+"));
		assertThat(arguments).containsSequence("--maxmemory-policy", "volatile-lru");
		assertThat(arguments).contains("--maxmemory");
	}

	private static void requireTestServers() {
		// Servers named by the environment, or containers;
		// fails with a message otherwise.
		TestServers.serverProperties();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> service(String name) throws IOException {
		try (Reader reader = Files.newBufferedReader(COMPOSE_FILE)) {
			Map<String, Object> model = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
			Map<String, Object> services = (Map<String, Object>) model.get("services");
			assertThat(services).as("services of %s", COMPOSE_FILE).containsKey(name);
			return (Map<String, Object>) services.get(name);
		}
	}

	/**
	 * A service's {@code environment}, in either of compose's forms: a map, or a list of
	 * {@code NAME=value}.
	 */
	private static Map<String, String> environment(Map<String, Object> service) {
		Map<String, String> environment = new LinkedHashMap<>();
		Object declared = service.get("environment");
		if (declared instanceof Map<?, ?> map) {
			map.forEach((name, value) -> environment.put(String.valueOf(name), value(name, value)));
		}
		else if (declared instanceof List<?> list) {
			for (Object entry : list) {
				String[] pair = String.valueOf(entry).split("=", 2);
				environment.put(pair[0], value(pair[0], (pair.length == 2) ? pair[1] : null));
			}
		}
		return environment;
	}

	private static String value(Object name, Object value) {
		if (value == null) {
			throw new IllegalStateException(name + " takes its value from the host's environment in " + COMPOSE_FILE
					+ "; give it a value so that the stack works as it is");
		}
		String text = String.valueOf(value);
		if (text.replace("$$", "").contains("$")) {
			throw new IllegalStateException(name + "=" + text + " uses variable substitution, which "
					+ ComposeFileTest.class.getSimpleName() + " does not perform; extend it");
		}
		return text.replace("$$", "$");
	}

	/**
	 * The compose settings with PostgreSQL and Redis moved from the compose network to
	 * the test servers; every other setting stays exactly as written.
	 */
	private static Map<String, String> pointAtTestServers(Map<String, String> compose, String database) {
		Map<String, Object> servers = TestServers.serverProperties();
		Map<String, String> settings = new LinkedHashMap<>(compose);
		assertThat(r2dbcUrl(require(compose, "SPRING_R2DBC_URL")).group(2)).startsWith("postgres");
		assertThat(require(compose, "SPRING_DATA_REDIS_URL")).startsWith("redis://redis");
		Matcher testUrl = r2dbcUrl((String) servers.get("spring.r2dbc.url"));
		settings.put("SPRING_R2DBC_URL", testUrl.group(1) + testUrl.group(2) + "/" + database
				+ ((testUrl.group(4) != null) ? testUrl.group(4) : ""));
		settings.put(present(compose, "SPRING_R2DBC_USERNAME"), (String) servers.get("spring.r2dbc.username"));
		settings.put(present(compose, "SPRING_R2DBC_PASSWORD"), (String) servers.get("spring.r2dbc.password"));
		settings.put("SPRING_DATA_REDIS_URL", (String) servers.get("spring.data.redis.url"));
		return settings;
	}

	private static ConfigurableApplicationContext start(Map<String, String> settings, String keyPrefix) {
		StandardReactiveWebEnvironment environment = new StandardReactiveWebEnvironment();
		// Named like the real one: Spring Boot binds environment-variable
		// names relaxedly only in a SystemEnvironmentPropertySource
		// called "systemEnvironment" or "...-systemEnvironment".
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource(
					"compose-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new HashMap<>(settings)));
		environment.getPropertySources()
			.addFirst(new MapPropertySource("composeFileTest",
					Map.of("server.port", "0", "catalog.cache.key-prefix", keyPrefix)));
		SpringApplication application = new SpringApplication(CatalogServiceApplication.class);
		application.setMainApplicationClass(CatalogServiceApplication.class);
		application.setWebApplicationType(WebApplicationType.REACTIVE);
		application.setEnvironment(environment);
		return application.run();
	}

	/**
	 * A POST of an item as a compose account ({@code user} as in its variables' names).
	 */
	private static WebTestClient.ResponseSpec post(WebTestClient client, Map<String, String> compose, String user,
			String item) {
		String password = require(compose, "CATALOG_SECURITY_USERS_" + user + "_PASSWORD");
		assertThat(password).as("password of %s in %s", user, COMPOSE_FILE).startsWith("{noop}");
		return client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBasicAuth(user.toLowerCase(), password.substring("{noop}".length())))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(item)
			.exchange();
	}

	/**
	 * Names (as in the variables) of the compose accounts whose roles are exactly
	 * {@code role}.
	 */
	private static List<String> users(Map<String, String> compose, String role) {
		List<String> users = new ArrayList<>();
		Pattern roles = Pattern.compile("CATALOG_SECURITY_USERS_(.+)_ROLES");
		compose.forEach((name, value) -> {
			Matcher matcher = roles.matcher(name);
			if (matcher.matches() && value.equals(role)) {
				users.add(matcher.group(1));
			}
		});
		assertThat(users).as("accounts with roles %s in %s", role, COMPOSE_FILE).isNotEmpty();
		return users;
	}

	private static String require(Map<String, String> environment, String name) {
		assertThat(environment).as("environment in %s", COMPOSE_FILE).containsKey(name);
		return environment.get(name);
	}

	private static String present(Map<String, String> environment, String name) {
		require(environment, name);
		return name;
	}

	private static Matcher r2dbcUrl(String url) {
		Matcher matcher = R2DBC_POSTGRES_URL.matcher(url);
		assertThat(matcher.matches()).as("%s is an r2dbc:postgresql URL", url).isTrue();
		return matcher;
	}

	private static void createDatabase(String database) throws SQLException {
		admin("CREATE DATABASE " + database);
	}

	private static void dropDatabase(String database) throws SQLException {
		admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
	}

	/** Runs a statement on the test server, connected to the database its URL names. */
	private static void admin(String sql) throws SQLException {
		Map<String, Object> servers = TestServers.serverProperties();
		Matcher url = r2dbcUrl((String) servers.get("spring.r2dbc.url"));
		String database = (url.group(3) != null && !url.group(3).isEmpty()) ? url.group(3) : "postgres";
		Properties credentials = new Properties();
		credentials.setProperty("user", (String) servers.get("spring.r2dbc.username"));
		credentials.setProperty("password", (String) servers.get("spring.r2dbc.password"));
		try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + url.group(2) + "/" + database,
				credentials); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static void deleteKeys(String keyPrefix) {
		RedisClient redis = RedisClient.create((String) TestServers.serverProperties().get("spring.data.redis.url"));
		try (StatefulRedisConnection<String, String> connection = redis.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			ScanArgs matching = ScanArgs.Builder.matches(keyPrefix + ":*").limit(500);
			ScanCursor cursor = ScanCursor.INITIAL;
			do {
				KeyScanCursor<String> page = commands.scan(cursor, matching);
				if (!page.getKeys().isEmpty()) {
					commands.del(page.getKeys().toArray(String[]::new));
				}
				cursor = page;
			}
			while (!cursor.isFinished());
		}
		finally {
			redis.shutdown();
		}
	}

}
