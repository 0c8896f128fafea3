package com.example.catalog.faults;

import java.net.URI;

import com.example.catalog.TestServers;

/**
 * The PostgreSQL and Redis servers named by the environment (see {@link TestServers}).
 * Fault tests put a proxy between the application and a server, or start the application
 * in a process of its own, so they need the servers' addresses, which Testcontainers'
 * service connections would hide: without the environment they fail with a message.
 */
final class LocalServers {

	private LocalServers() {
	}

	static URI redis() {
		return URI.create(require(TestServers.REDIS_URL));
	}

	/** The Redis database index of {@link #redis()}, 0 when the URL names none. */
	static int redisDatabase() {
		String path = redis().getPath();
		return (path == null || path.length() <= 1) ? 0 : Integer.parseInt(path.substring(1));
	}

	/** The R2DBC URL's {@code host:port/database} part, as a URI of its own. */
	static URI postgres() {
		String r2dbc = require(TestServers.R2DBC_URL);
		return URI.create(r2dbc.substring(r2dbc.indexOf("postgresql://")));
	}

	static String postgresDatabase() {
		return postgres().getPath().substring(1);
	}

	static String postgresUsername() {
		return System.getenv().getOrDefault(TestServers.R2DBC_USERNAME, "postgres");
	}

	static String postgresPassword() {
		return System.getenv().getOrDefault(TestServers.R2DBC_PASSWORD, "postgres");
	}

	static String jdbcUrl(String database) {
		URI postgres = postgres();
		return "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getPort() + "/" + database;
	}

	static String r2dbcUrl(String host, int port, String database) {
		return "r2dbc:postgresql://" + host + ":" + port + "/" + database;
	}

	private static String require(String variable) {
		String value = System.getenv(variable);
		if (value == null || !TestServers.fromEnvironment()) {
			throw new IllegalStateException("Fault tests need the servers' addresses: set " + TestServers.R2DBC_URL
					+ " (e.g. r2dbc:postgresql://127.0.0.1:5432/catalog_test) and " + TestServers.REDIS_URL
					+ " (e.g. redis://127.0.0.1:6379/15), as .ci/run does.");
		}
		return value;
	}

}
