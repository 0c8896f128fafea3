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
 * Database queries and Redis commands are observed for tracing only when traces are
 * exported, and what one excludes of one's own stays excluded.
 */
class UntracedClientCallsTest {

	private final UntracedClientCalls postProcessor = new UntracedClientCalls();

	@Test
	void withoutAnExporterQueryAndCommandObservationsAreExcluded() {
		assertThat(excludedAfterPostProcessing(Map.of())).containsExactlyElementsOf(UntracedClientCalls.UNTRACED);
	}

	@Test
	void withAnExporterQueriesAndCommandsAreObserved() {
		assertThat(
				excludedAfterPostProcessing(Map.of(TracingConfiguration.ENDPOINT, "http://collector:4318/v1/traces")))
			.isEmpty();
	}

	@Test
	void exclusionsOfOnesOwnStayWhetherWrittenAsAListOrIndexed() {
		assertThat(excludedAfterPostProcessing(Map.of(UntracedClientCalls.EXCLUDE, "com.example.One,com.example.Two")))
			.startsWith("com.example.One", "com.example.Two")
			.containsSubsequence(UntracedClientCalls.UNTRACED)
			.hasSize(2 + UntracedClientCalls.UNTRACED.size());
		assertThat(excludedAfterPostProcessing(Map.of(UntracedClientCalls.EXCLUDE + "[0]", "com.example.One")))
			.startsWith("com.example.One")
			.containsSubsequence(UntracedClientCalls.UNTRACED)
			.hasSize(1 + UntracedClientCalls.UNTRACED.size());
	}

	private List<String> excludedAfterPostProcessing(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		return Binder.get(environment)
			.bind(UntracedClientCalls.EXCLUDE, Bindable.listOf(String.class))
			.orElse(List.of());
	}

}
