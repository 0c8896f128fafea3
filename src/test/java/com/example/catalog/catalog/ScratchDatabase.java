package com.example.catalog.catalog;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import org.flywaydb.core.Flyway;

import com.example.catalog.TestServers;

import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * A database of a test's own on the test PostgreSQL server, dropped when closed: for
 * tests that need a table of a size, or roles and privileges, no other test should see.
 */
final class ScratchDatabase implements AutoCloseable {

	private final String name;

	private ScratchDatabase(String name) {
		this.name = name;
	}

	static ScratchDatabase create(String prefix) throws SQLException {
		String name = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
		admin("postgres", "CREATE DATABASE " + name);
		return new ScratchDatabase(name);
	}

	String name() {
		return this.name;
	}

	/** Runs the service's migrations as the test's user. */
	void migrate() {
		migrate(username(), password());
	}

	void migrate(String user, String password) {
		Flyway.configure().dataSource(jdbcUrl(), user, password).load().migrate();
	}

	String jdbcUrl() {
		String url = server("spring.flyway.url");
		return url.substring(0, url.lastIndexOf('/') + 1) + this.name;
	}

	ConnectionFactory connectionFactory() {
		String url = server("spring.r2dbc.url");
		return connectionFactory(url.substring(0, url.lastIndexOf('/') + 1) + this.name);
	}

	/**
	 * Connections of the test's user, unpooled, to the database at {@code url} (R2DBC) on
	 * the test server.
	 */
	static ConnectionFactory connectionFactory(String url) {
		ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(url)
			.mutate()
			.option(ConnectionFactoryOptions.USER, username())
			.option(ConnectionFactoryOptions.PASSWORD, password())
			.build();
		return ConnectionFactories.get(options);
	}

	/**
	 * Fills the catalog of this database, migrated and empty, with the demo data loader
	 * ({@code catalog.demo-data}): its rows, its indexes rebuilt, {@code ANALYZE}.
	 */
	void fillWithDemoItems(int items, int categories) {
		ConnectionFactory connections = connectionFactory();
		new DemoData(DatabaseClient.create(connections),
				TransactionalOperator.create(new R2dbcTransactionManager(connections)),
				new DemoDataProperties(items, categories))
			.run(null);
	}

	DatabaseClient client() {
		return DatabaseClient.create(connectionFactory());
	}

	/** Runs {@code sql} as the test's user, in this database. */
	void execute(String sql) throws SQLException {
		admin(this.name, sql);
	}

	/** Runs {@code sql} as the test's user, in the server's maintenance database. */
	static void onServer(String sql) throws SQLException {
		admin("postgres", sql);
	}

	@Override
	public void close() throws SQLException {
		admin("postgres", "DROP DATABASE IF EXISTS " + this.name + " WITH (FORCE)");
	}

	static String username() {
		return server("spring.r2dbc.username");
	}

	static String password() {
		return server("spring.r2dbc.password");
	}

	private static void admin(String database, String sql) throws SQLException {
		String url = server("spring.flyway.url");
		try (Connection connection = DriverManager.getConnection(url.substring(0, url.lastIndexOf('/') + 1) + database,
				username(), password()); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static String server(String property) {
		Map<String, Object> servers = TestServers.serverProperties();
		return String.valueOf(servers.get(property));
	}

}
