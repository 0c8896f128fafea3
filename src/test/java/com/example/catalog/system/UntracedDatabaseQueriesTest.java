package com.example.catalog.system;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Database queries are observed only when traces are exported, and what one excludes of
 * one's own stays excluded.
 */
class UntracedDatabaseQueriesTest {

	private final UntracedDatabaseQueries postProcessor = new UntracedDatabaseQueries();

	@Test
	void withoutAnExporterQueryObservationsAreExcluded() {
		assertThat(excludedAfterPostProcessing(Map.of())).containsExactly(UntracedDatabaseQueries.QUERY_OBSERVATIONS);
	}

	@Test
	void withAnExporterQueriesAreObserved() {
		assertThat(
				excludedAfterPostProcessing(Map.of(TracingConfiguration.ENDPOINT, "http://collector:4318/v1/traces")))
			.isEmpty();
	}

	@Test
	void exclusionsOfOnesOwnStayWhetherWrittenAsAListOrIndexed() {
		assertThat(
				excludedAfterPostProcessing(Map.of(UntracedDatabaseQueries.EXCLUDE, "com.example.One,com.example.Two")))
			.containsExactly("com.example.One", "com.example.Two", UntracedDatabaseQueries.QUERY_OBSERVATIONS);
		assertThat(excludedAfterPostProcessing(Map.of(UntracedDatabaseQueries.EXCLUDE + "[0]", "com.example.One")))
			.containsExactly("com.example.One", UntracedDatabaseQueries.QUERY_OBSERVATIONS);
	}

	private List<String> excludedAfterPostProcessing(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		return Binder.get(environment)
			.bind(UntracedDatabaseQueries.EXCLUDE, Bindable.listOf(String.class))
			.orElse(List.of());
	}

}
