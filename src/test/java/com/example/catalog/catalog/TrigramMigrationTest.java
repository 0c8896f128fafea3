package com.example.catalog.catalog;

import java.time.Duration;
import java.util.UUID;

import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Migration V5 creates {@code pg_trgm} itself when the role that runs the migrations may,
 * and otherwise stops with a message naming the privilege that is missing and how to
 * grant it.
 */
class TrigramMigrationTest {

	@Test
	void aRoleThatMayNotCreateTheExtensionIsToldWhichPrivilegeItNeedsAndOneThatMayCreatesIt() throws Exception {
		String role = "trgm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
		try (ScratchDatabase database = ScratchDatabase.create("trgm")) {
			database.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'trgm-secret'");
			try {
				database.execute("GRANT ALL ON SCHEMA public TO " + role);
				assertThatExceptionOfType(FlywayException.class).isThrownBy(() -> database.migrate(role, "trgm-secret"))
					.withMessageContaining("pg_trgm")
					.withMessageContaining("CREATE privilege on the database")
					.withMessageContaining("GRANT CREATE ON DATABASE " + database.name() + " TO " + role);

				database.execute("GRANT CREATE ON DATABASE " + database.name() + " TO " + role);
				database.migrate(role, "trgm-secret");
				assertThat(database.client()
					.sql("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
					.map((row) -> row.get(0, Long.class))
					.one()
					.block(Duration.ofSeconds(10))).isEqualTo(1);
			}
			finally {
				database.close();
				ScratchDatabase.onServer("DROP ROLE IF EXISTS " + role);
			}
		}
	}

}
