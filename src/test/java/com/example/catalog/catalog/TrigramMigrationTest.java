package com.example.catalog.catalog;

import java.time.Duration;
import java.util.UUID;

import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Migrations V5 and V10 create {@code pg_trgm} and {@code btree_gin} themselves when the
 * role that runs the migrations may, and otherwise stop with a message naming the
 * extension, the privilege that is missing and how to grant it.
 */
class TrigramMigrationTest {

	private static final String PASSWORD = "trgm-secret";

	@Test
	void aRoleThatMayNotCreateTheExtensionIsToldWhichPrivilegeItNeedsAndOneThatMayCreatesIt() throws Exception {
		asARoleWithoutCreate((database, role) -> {
			assertThatExceptionOfType(FlywayException.class).isThrownBy(() -> database.migrate(role, PASSWORD))
				.withMessageContaining("pg_trgm")
				.withMessageContaining("CREATE privilege on the database")
				.withMessageContaining("GRANT CREATE ON DATABASE " + database.name() + " TO " + role);

			database.execute("GRANT CREATE ON DATABASE " + database.name() + " TO " + role);
			database.migrate(role, PASSWORD);
			assertThat(extensions(database)).isEqualTo(2);
		});
	}

	@Test
	void aRoleThatMayNotCreateBtreeGinIsToldSoWhenAnAdministratorCreatedPgTrgmForIt() throws Exception {
		asARoleWithoutCreate((database, role) -> {
			database.execute("CREATE EXTENSION pg_trgm");
			assertThatExceptionOfType(FlywayException.class).isThrownBy(() -> database.migrate(role, PASSWORD))
				.withMessageContaining("btree_gin")
				.withMessageContaining("CREATE privilege on the database")
				.withMessageContaining("GRANT CREATE ON DATABASE " + database.name() + " TO " + role);

			database.execute("CREATE EXTENSION btree_gin");
			database.migrate(role, PASSWORD);
			assertThat(extensions(database)).isEqualTo(2);
		});
	}

	/**
	 * Runs {@code test} in a database of its own with a role of its own that may use the
	 * schema but not create extensions; drops both after.
	 */
	private static void asARoleWithoutCreate(RoleTest test) throws Exception {
		String role = "trgm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
		try (ScratchDatabase database = ScratchDatabase.create("trgm")) {
			database.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
			try {
				database.execute("GRANT ALL ON SCHEMA public TO " + role);
				test.run(database, role);
			}
			finally {
				database.close();
				ScratchDatabase.onServer("DROP ROLE IF EXISTS " + role);
			}
		}
	}

	@FunctionalInterface
	private interface RoleTest {

		void run(ScratchDatabase database, String role) throws Exception;

	}

	private static Long extensions(ScratchDatabase database) {
		return database.client()
			.sql("SELECT count(*) FROM pg_extension WHERE extname IN ('pg_trgm', 'btree_gin')")
			.map((row) -> row.get(0, Long.class))
			.one()
			.block(Duration.ofSeconds(10));
	}

}
