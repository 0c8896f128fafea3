package com.example.catalog.system;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reactor's automatic context propagation is on when traces are exported and left to
 * Boot's default otherwise, and a setting of one's own wins.
 */
class TracingContextPropagationTest {

	private final TracingContextPropagation postProcessor = new TracingContextPropagation();

	@Test
	void tracesExportedTurnAutomaticPropagationOn() {
		StandardEnvironment environment = environment(
				Map.of(TracingConfiguration.ENDPOINT, "http://collector:4318/v1/traces"));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(TracingContextPropagation.PROPERTY)).isEqualTo("auto");
	}

	@Test
	void withoutAnExporterBootsDefaultStays() {
		StandardEnvironment environment = environment(Map.of());
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.containsProperty(TracingContextPropagation.PROPERTY)).isFalse();
	}

	@Test
	void aSettingOfOnesOwnWins() {
		StandardEnvironment environment = environment(Map.of(TracingConfiguration.ENDPOINT,
				"http://collector:4318/v1/traces", TracingContextPropagation.PROPERTY, "limited"));
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(TracingContextPropagation.PROPERTY)).isEqualTo("limited");
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		return environment;
	}

}
