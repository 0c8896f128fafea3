package com.example.catalog.faults;

import java.net.URI;

import com.example.catalog.TestServers;

/**
 * The addresses of the PostgreSQL and Redis servers (see
 * {@link TestServers#serverProperties()}: those the environment names, or containers).
 * Fault tests put a proxy between the application and a server, or start the application
 * in a process of its own, so they need the addresses themselves.
 */
final class LocalServers {

	private LocalServers() {
	}

	static URI redis() {
		return URI.create(server("spring.data.redis.url"));
	}

	/** The Redis database index of {@link #redis()}, 0 when the URL names none. */
	static int redisDatabase() {
		String path = redis().getPath();
		return (path == null || path.length() <= 1) ? 0 : Integer.parseInt(path.substring(1));
	}

	/** The R2DBC URL's {@code host:port/database} part, as a URI of its own. */
	static URI postgres() {
		String r2dbc = server("spring.r2dbc.url");
		return URI.create(r2dbc.substring(r2dbc.indexOf("postgresql://")));
	}

	static String postgresDatabase() {
		return postgres().getPath().substring(1);
	}

	static String postgresUsername() {
		return server("spring.r2dbc.username");
	}

	static String postgresPassword() {
		return server("spring.r2dbc.password");
	}

	static String jdbcUrl(String database) {
		URI postgres = postgres();
		return "jdbc:postgresql://" + postgres.getHost() + ":" + postgres.getPort() + "/" + database;
	}

	static String r2dbcUrl(String host, int port, String database) {
		return "r2dbc:postgresql://" + host + ":" + port + "/" + database;
	}

	private static String server(String property) {
		return String.valueOf(TestServers.serverProperties().get(property));
	}

}
