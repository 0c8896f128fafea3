package com.example.catalog.cache;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without a trace exporter (as in every test), Redis commands are timed for
 * {@code lettuce_seconds} but never pass the application's observation handlers, where
 * the tracing handlers would start a span and inject the trace context for each.
 */
@IntegrationTest
class UntracedRedisCommandsIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	ObservationRegistry observations;

	@Autowired
	MeterRegistry meters;

	@Test
	void withoutAnExporterRedisCommandsAreTimedButNotSeenByTheTracingHandlers() {
		AtomicBoolean listening = new AtomicBoolean(true);
		AtomicInteger commandsSeen = new AtomicInteger();
		// The context is shared with other tests: the handler stops listening after this
		// one.
		this.observations.observationConfig().observationHandler(new ObservationHandler<>() {

			@Override
			public boolean supportsContext(Observation.Context context) {
				return listening.get() && "lettuce".equals(context.getName());
			}

			@Override
			public void onStart(Observation.Context context) {
				commandsSeen.incrementAndGet();
			}

		});
		long timedBefore = timedCommands();
		try {
			this.client.get()
				.uri("/catalog?category=untraced-" + UUID.randomUUID().toString().substring(0, 8))
				.exchange()
				.expectStatus()
				.isOk();
		}
		finally {
			listening.set(false);
		}
		assertThat(timedCommands()).as("Redis commands timed").isGreaterThan(timedBefore);
		assertThat(commandsSeen).as("Redis commands seen by the application's handlers").hasValue(0);
	}

	private long timedCommands() {
		return this.meters.find("lettuce").timers().stream().mapToLong(Timer::count).sum();
	}

}
