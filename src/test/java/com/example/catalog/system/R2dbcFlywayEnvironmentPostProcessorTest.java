package com.example.catalog.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flyway's JDBC settings derived from the three {@code spring.r2dbc.*} settings.
 */
class R2dbcFlywayEnvironmentPostProcessorTest {

	private final R2dbcFlywayEnvironmentPostProcessor postProcessor = new R2dbcFlywayEnvironmentPostProcessor();

	@Test
	void postgresqlUrlsBecomeJdbcUrlsWithoutTheirR2dbcOptions() {
		assertThat(R2dbcFlywayEnvironmentPostProcessor.toJdbcUrl("r2dbc:postgresql://db:5432/catalog"))
			.isEqualTo("jdbc:postgresql://db:5432/catalog");
		assertThat(R2dbcFlywayEnvironmentPostProcessor.toJdbcUrl("r2dbc:pool:postgresql://db:5432/catalog"))
			.isEqualTo("jdbc:postgresql://db:5432/catalog");
		assertThat(R2dbcFlywayEnvironmentPostProcessor.toJdbcUrl("r2dbc:postgres://db/catalog"))
			.isEqualTo("jdbc:postgresql://db/catalog");
		assertThat(R2dbcFlywayEnvironmentPostProcessor
			.toJdbcUrl("r2dbc:postgresql://user@db:5433/catalog?sslMode=disable&initialSize=2"))
			.isEqualTo("jdbc:postgresql://user@db:5433/catalog");
	}

	@Test
	void urlsOfOtherDriversOrSchemesAreLeftAlone() {
		assertThat(R2dbcFlywayEnvironmentPostProcessor.toJdbcUrl("r2dbc:h2:mem:///test")).isNull();
		assertThat(R2dbcFlywayEnvironmentPostProcessor.toJdbcUrl("r2dbc:pool:mysql://db/catalog")).isNull();
		assertThat(R2dbcFlywayEnvironmentPostProcessor.toJdbcUrl("jdbc:postgresql://db/catalog")).isNull();
	}

	@Test
	void theR2dbcSettingsAloneConfigureFlyway() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("spring.r2dbc.url", "r2dbc:postgresql://db:5432/catalog?sslMode=disable")
			.withProperty("spring.r2dbc.username", "app")
			.withProperty("spring.r2dbc.password", "secret");
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.flyway.url")).isEqualTo("jdbc:postgresql://db:5432/catalog");
		assertThat(environment.getProperty("spring.flyway.user")).isEqualTo("app");
		assertThat(environment.getProperty("spring.flyway.password")).isEqualTo("secret");
	}

	@Test
	void flywaySettingsOfItsOwnWin() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("spring.r2dbc.url", "r2dbc:postgresql://db:5432/catalog")
			.withProperty("spring.r2dbc.username", "app")
			.withProperty("spring.r2dbc.password", "secret")
			.withProperty("spring.flyway.user", "owner");
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.flyway.url")).isEqualTo("jdbc:postgresql://db:5432/catalog");
		assertThat(environment.getProperty("spring.flyway.user")).isEqualTo("owner");
		assertThat(environment.getProperty("spring.flyway.password")).isEqualTo("secret");

		MockEnvironment ownUrl = new MockEnvironment()
			.withProperty("spring.r2dbc.url", "r2dbc:postgresql://db:5432/catalog")
			.withProperty("spring.r2dbc.username", "app")
			.withProperty("spring.flyway.url", "jdbc:postgresql://migrations:5432/catalog");
		this.postProcessor.postProcessEnvironment(ownUrl, new SpringApplication());
		assertThat(ownUrl.getProperty("spring.flyway.url")).isEqualTo("jdbc:postgresql://migrations:5432/catalog");
		assertThat(ownUrl.getProperty("spring.flyway.user")).isNull();
	}

	@Test
	void withoutAnR2dbcUrlNothingIsDerived() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.r2dbc.username", "app");
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("spring.flyway.url")).isNull();
		assertThat(environment.getProperty("spring.flyway.user")).isNull();
	}

}
