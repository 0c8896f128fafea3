package com.example.catalog.faults;

import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every acknowledged write survives {@code kill -9} of the service. The application runs
 * in a JVM of its own on a database of its own; concurrent clients create items (half of
 * them with an {@code Idempotency-Key}, which takes the transactional path) and the JVM
 * is killed while requests are in flight. Every item whose 201 arrived must then be in
 * PostgreSQL, and be served after a restart.
 */
@FaultTest
class DurabilityTest {

	private static final int WRITERS = 12;

	private static final int ACKNOWLEDGED_BEFORE_KILL = 300;

	private static final Duration STARTUP = Duration.ofSeconds(150);

	@Test
	void everyAcknowledgedWriteSurvivesKillMinus9() throws Exception {
		String database = "durability_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		String keyPrefix = "durability-" + database.substring("durability_".length());
		admin("CREATE DATABASE " + database);
		try {
			Map<String, Object> settings = settings(database, keyPrefix);
			Map<Long, String> acknowledged = new ConcurrentHashMap<>();
			ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
			AtomicInteger failedAfterKill = new AtomicInteger();
			AtomicBoolean killed = new AtomicBoolean();
			AtomicBoolean stop = new AtomicBoolean();
			int inFlightAtKill;
			long killMillis;
			try (AppProcess app = AppProcess.start(database + "-1", settings, STARTUP)) {
				Http http = new Http("127.0.0.1", app.port(), Duration.ofSeconds(10));
				AtomicInteger inFlight = new AtomicInteger();
				CountDownLatch done = new CountDownLatch(WRITERS);
				for (int w = 0; w < WRITERS; w++) {
					int writer = w;
					Thread thread = new Thread(() -> {
						try {
							for (int n = 0; !stop.get(); n++) {
								String sku = database + "-" + writer + "-" + n;
								String[] headers = (n % 2 == 0) ? Http.basic("editor", "editor-secret")
										: concat(Http.basic("editor", "editor-secret"), "Idempotency-Key", sku);
								inFlight.incrementAndGet();
								Http.Response response = http.postJson("/catalog/items",
										Http.itemJson(sku, database, 100 + n), headers);
								inFlight.decrementAndGet();
								if (response.status() == 201) {
									acknowledged.put(response.id(), sku);
								}
								else if (killed.get()) {
									failedAfterKill.incrementAndGet();
									return;
								}
								else {
									unexpected.add(sku + " -> " + response);
								}
							}
						}
						finally {
							done.countDown();
						}
					}, "durability-writer-" + w);
					thread.setDaemon(true);
					thread.start();
				}
				try {
					await("acknowledged creates before the kill").atMost(Duration.ofSeconds(60))
						.pollInterval(Duration.ofMillis(5))
						.until(() -> acknowledged.size() >= ACKNOWLEDGED_BEFORE_KILL);
				}
				catch (ConditionTimeoutException ex) {
					// Killed all the same: how many creates were acknowledged
					// is asserted below.
				}
				inFlightAtKill = inFlight.get();
				killed.set(true);
				long before = System.nanoTime();
				app.kill();
				killMillis = (System.nanoTime() - before) / 1_000_000;
				stop.set(true);
				assertThat(done.await(30, TimeUnit.SECONDS)).as("writers finished after the kill").isTrue();
			}
			Map<Long, String> stored = stored(database, acknowledged.keySet());
			System.out.printf(
					"Killed (SIGKILL, %d ms) after %d acknowledged creates with about %d in flight; %d requests failed "
							+ "with the kill; %d of the acknowledged items are in PostgreSQL%n",
					killMillis, acknowledged.size(), inFlightAtKill, failedAfterKill.get(), stored.size());
			SoftAssertions softly = new SoftAssertions();
			softly.assertThat(unexpected).as("answers other than 201 before the kill").isEmpty();
			softly.assertThat(acknowledged).as("acknowledged creates").hasSizeGreaterThanOrEqualTo(50);
			softly.assertThat(stored).as("acknowledged items in PostgreSQL after kill -9").isEqualTo(acknowledged);
			softly.assertAll();

			try (AppProcess restarted = AppProcess.start(database + "-2", settings, STARTUP)) {
				Http http = new Http("127.0.0.1", restarted.port(), Duration.ofSeconds(10));
				List<String> missing = new ArrayList<>();
				acknowledged.forEach((id, sku) -> {
					Http.Response response = http.get("/catalog/items/" + id);
					if (response.status() != 200 || !response.body().contains("\"sku\":\"" + sku + "\"")) {
						missing.add(id + " (" + sku + "): " + response);
					}
				});
				assertThat(missing).as("acknowledged items served after the restart").isEmpty();
			}
		}
		finally {
			admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
			deleteKeys(keyPrefix);
		}
	}

	private static Map<String, Object> settings(String database, String keyPrefix) {
		URI postgres = LocalServers.postgres();
		Map<String, Object> settings = new HashMap<>();
		// The three R2DBC settings alone: migrations run from them too.
		settings.put("spring.r2dbc.url", LocalServers.r2dbcUrl(postgres.getHost(), postgres.getPort(), database));
		settings.put("spring.r2dbc.username", LocalServers.postgresUsername());
		settings.put("spring.r2dbc.password", LocalServers.postgresPassword());
		settings.put("spring.data.redis.url", LocalServers.redis().toString());
		settings.put("catalog.cache.key-prefix", keyPrefix);
		settings.put("catalog.security.users.editor.password", "{noop}editor-secret");
		settings.put("catalog.security.users.editor.roles", "EDITOR");
		return settings;
	}

	private static Map<Long, String> stored(String database, Set<Long> ids) throws SQLException {
		Map<Long, String> stored = new HashMap<>();
		try (Connection connection = DriverManager.getConnection(LocalServers.jdbcUrl(database),
				LocalServers.postgresUsername(), LocalServers.postgresPassword());
				PreparedStatement query = connection.prepareStatement("SELECT id, sku FROM items WHERE id = ANY (?)")) {
			Array array = connection.createArrayOf("bigint", ids.toArray());
			query.setArray(1, array);
			try (ResultSet rows = query.executeQuery()) {
				while (rows.next()) {
					stored.put(rows.getLong(1), rows.getString(2));
				}
			}
		}
		return stored;
	}

	private static void admin(String sql) throws SQLException {
		try (Connection connection = DriverManager.getConnection(LocalServers.jdbcUrl("postgres"),
				LocalServers.postgresUsername(), LocalServers.postgresPassword());
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static void deleteKeys(String keyPrefix) {
		URI redis = LocalServers.redis();
		try (RespClient client = new RespClient(redis.getHost(), redis.getPort())) {
			client.call("SELECT", String.valueOf(LocalServers.redisDatabase()));
			for (String key : client.scan(keyPrefix + ":*")) {
				client.call("DEL", key);
			}
		}
	}

	private static String[] concat(String[] headers, String name, String value) {
		String[] all = Arrays.copyOf(headers, headers.length + 2);
		all[headers.length] = name;
		all[headers.length + 1] = value;
		return all;
	}

}
