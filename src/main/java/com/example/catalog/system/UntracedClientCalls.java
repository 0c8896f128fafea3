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
 * Leaves database queries and Redis commands out of tracing unless traces are exported.
 * Boot's {@code R2dbcProxyAutoConfiguration} wraps every connection, statement and result
 * in r2dbc-proxy, and {@code R2dbcObservationAutoConfiguration} observes each query
 * through it; {@code LettuceObservationAutoConfiguration} makes every Redis command an
 * observation that the tracing handlers start a span for and inject the trace context and
 * baggage into. All of it runs whether or not a span is recorded: leaving it out took a
 * cache miss followed by its hit from 166 to 143 KB allocated per request
 * ({@code bench/alloc-per-request.sh}, README). Without an exporter the three are added
 * to {@code spring.autoconfigure.exclude} (after whatever is excluded already), and the
 * cache times Redis commands without tracing them ({@code lettuce_seconds} stays); with
 * one, queries and commands are spans of their request.
 */
class UntracedClientCalls implements EnvironmentPostProcessor {

	static final String EXCLUDE = "spring.autoconfigure.exclude";

	static final String QUERY_OBSERVATIONS = "org.springframework.boot.r2dbc.autoconfigure.observation.R2dbcObservationAutoConfiguration";

	static final String QUERY_PROXY = "org.springframework.boot.r2dbc.autoconfigure.R2dbcProxyAutoConfiguration";

	static final String REDIS_COMMAND_OBSERVATIONS = "org.springframework.boot.data.redis.autoconfigure.observation.LettuceObservationAutoConfiguration";

	static final List<String> UNTRACED = List.of(QUERY_OBSERVATIONS, QUERY_PROXY, REDIS_COMMAND_OBSERVATIONS);

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (TracingConfiguration.tracesExported(environment)) {
			return;
		}
		List<String> excluded = new ArrayList<>(
				Binder.get(environment).bind(EXCLUDE, Bindable.listOf(String.class)).orElse(List.of()));
		excluded.addAll(UNTRACED);
		environment.getPropertySources()
			.addFirst(new MapPropertySource("untracedClientCalls", Map.of(EXCLUDE, String.join(",", excluded))));
	}

}
