package com.example.catalog.system;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Lets the three {@code spring.r2dbc.*} settings configure Flyway too: its JDBC URL and
 * credentials are derived from them unless {@code spring.flyway.*} names its own.
 */
class R2dbcFlywayEnvironmentPostProcessor implements EnvironmentPostProcessor {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		String r2dbcUrl = environment.getProperty("spring.r2dbc.url");
		if (r2dbcUrl == null || environment.containsProperty("spring.flyway.url")) {
			return;
		}
		String jdbcUrl = toJdbcUrl(r2dbcUrl);
		if (jdbcUrl == null) {
			return;
		}
		Map<String, Object> derived = new HashMap<>();
		derived.put("spring.flyway.url", jdbcUrl);
		copy(environment, "spring.r2dbc.username", "spring.flyway.user", derived);
		copy(environment, "spring.r2dbc.password", "spring.flyway.password", derived);
		environment.getPropertySources().addLast(new MapPropertySource("flywayFromR2dbc", derived));
	}

	/**
	 * {@code r2dbc:postgresql://host:port/db?options} and its {@code r2dbc:pool:} form
	 * become {@code jdbc:postgresql://host:port/db}; R2DBC options have no JDBC meaning
	 * and are left out.
	 */
	static String toJdbcUrl(String r2dbcUrl) {
		String rest = r2dbcUrl.startsWith("r2dbc:") ? r2dbcUrl.substring("r2dbc:".length()) : null;
		if (rest == null) {
			return null;
		}
		if (rest.startsWith("pool:")) {
			rest = rest.substring("pool:".length());
		}
		if (!rest.startsWith("postgresql://") && !rest.startsWith("postgres://")) {
			return null;
		}
		int query = rest.indexOf('?');
		String base = (query >= 0) ? rest.substring(0, query) : rest;
		return "jdbc:postgresql://" + base.substring(base.indexOf("://") + 3);
	}

	private static void copy(ConfigurableEnvironment environment, String from, String to, Map<String, Object> into) {
		String value = environment.getProperty(from);
		if (value != null && !environment.containsProperty(to)) {
			into.put(to, value);
		}
	}

}
