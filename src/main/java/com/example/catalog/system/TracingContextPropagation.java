package com.example.catalog.system;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns on Reactor's automatic context propagation
 * ({@code spring.reactor.context-propagation=auto}) when traces are exported, so that
 * spans and log lines written on a Redis or database thread still belong to their
 * request; without an exporter Boot's {@code limited} stays. Automatic propagation wraps
 * every operator of every request, hits included: on the near-hit path it cost 16 % of
 * the requests a second (10,172 against 12,062, medians of six alternating 5 s runs of
 * {@code bench/ab-hit-path.sh} on one jar), a price for traces, not for nothing. A
 * setting of {@code spring.reactor.context-propagation} of one's own wins either way.
 */
class TracingContextPropagation implements EnvironmentPostProcessor {

	static final String PROPERTY = "spring.reactor.context-propagation";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (TracingConfiguration.tracesExported(environment) && !environment.containsProperty(PROPERTY)) {
			environment.getPropertySources()
				.addLast(new MapPropertySource("contextPropagationForTracing", Map.of(PROPERTY, "auto")));
		}
	}

}
