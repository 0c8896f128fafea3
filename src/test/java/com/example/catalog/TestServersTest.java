package com.example.catalog;

import java.util.Map;

import org.junit.jupiter.api.Test;

import com.example.catalog.TestServers.Source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Where the integration tests take their servers from: both from the environment, or
 * neither (Testcontainers); half a configuration is an error naming what is missing.
 */
class TestServersTest {

	private static final String R2DBC = "r2dbc:postgresql://127.0.0.1:5432/catalog_test";

	private static final String REDIS = "redis://127.0.0.1:6379/15";

	@Test
	void bothUrlsMeanTheServersOfTheEnvironment() {
		assertThat(TestServers.source(Map.of(TestServers.R2DBC_URL, R2DBC, TestServers.REDIS_URL, REDIS)))
			.isEqualTo(Source.ENVIRONMENT);
		assertThat(TestServers.source(Map.of(TestServers.R2DBC_URL, R2DBC, TestServers.R2DBC_USERNAME, "u",
				TestServers.R2DBC_PASSWORD, "p", TestServers.REDIS_URL, REDIS)))
			.isEqualTo(Source.ENVIRONMENT);
	}

	@Test
	void noneOfTheVariablesMeansContainers() {
		assertThat(TestServers.source(Map.of("PATH", "/usr/bin", "HOME", "/root"))).isEqualTo(Source.CONTAINERS);
	}

	@Test
	void theDatabaseUrlAloneIsRefusedNamingTheRedisUrl() {
		assertThatIllegalStateException().isThrownBy(() -> TestServers.source(Map.of(TestServers.R2DBC_URL, R2DBC)))
			.withMessageContaining("CATALOG_TEST_R2DBC_URL set, but not CATALOG_TEST_REDIS_URL");
	}

	@Test
	void theRedisUrlAloneIsRefusedNamingTheDatabaseUrl() {
		assertThatIllegalStateException().isThrownBy(() -> TestServers.source(Map.of(TestServers.REDIS_URL, REDIS)))
			.withMessageContaining("CATALOG_TEST_REDIS_URL set, but not CATALOG_TEST_R2DBC_URL");
	}

	@Test
	void credentialsWithoutUrlsAreRefusedNamingBothUrls() {
		assertThatIllegalStateException()
			.isThrownBy(() -> TestServers.source(Map.of(TestServers.R2DBC_USERNAME, "postgres")))
			.withMessageContaining("not CATALOG_TEST_R2DBC_URL and CATALOG_TEST_REDIS_URL");
	}

	@Test
	void anEmptyUrlIsRefusedNamingIt() {
		assertThatIllegalStateException()
			.isThrownBy(() -> TestServers.source(Map.of(TestServers.R2DBC_URL, R2DBC, TestServers.REDIS_URL, " ")))
			.withMessageContaining("CATALOG_TEST_REDIS_URL set but empty");
	}

	@Test
	void environmentPropertiesPointTheApplicationAndFlywayAtTheNamedServers() {
		assertThat(
				TestServers.environmentProperties(Map.of(TestServers.R2DBC_URL, R2DBC, TestServers.REDIS_URL, REDIS)))
			.containsEntry("spring.r2dbc.url", R2DBC)
			.containsEntry("spring.flyway.url", "jdbc:postgresql://127.0.0.1:5432/catalog_test")
			.containsEntry("spring.r2dbc.username", "postgres")
			.containsEntry("spring.flyway.user", "postgres")
			.containsEntry("spring.data.redis.url", REDIS);
	}

}
