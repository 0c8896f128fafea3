package com.example.catalog.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Leaves database queries unobserved unless traces are exported. Boot's
 * {@code R2dbcObservationAutoConfiguration} puts an r2dbc-proxy listener on every
 * connection, statement and result, which does its bookkeeping on every call whether or
 * not the observation is recorded (measured with {@code bench/miss-cpu.sh}: a {@code q}
 * search cost 5 % more CPU with it; an item's miss no difference beyond the spread).
 * Without an exporter the auto-configuration is added to
 * {@code spring.autoconfigure.exclude} (after whatever is excluded already); with one,
 * queries are spans of their request.
 */
class UntracedDatabaseQueries implements EnvironmentPostProcessor {

	static final String EXCLUDE = "spring.autoconfigure.exclude";

	static final String QUERY_OBSERVATIONS = "org.springframework.boot.r2dbc.autoconfigure.observation.R2dbcObservationAutoConfiguration";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (TracingConfiguration.tracesExported(environment)) {
			return;
		}
		List<String> excluded = new ArrayList<>(
				Binder.get(environment).bind(EXCLUDE, Bindable.listOf(String.class)).orElse(List.of()));
		excluded.add(QUERY_OBSERVATIONS);
		environment.getPropertySources()
			.addFirst(new MapPropertySource("untracedDatabaseQueries", Map.of(EXCLUDE, String.join(",", excluded))));
	}

}
