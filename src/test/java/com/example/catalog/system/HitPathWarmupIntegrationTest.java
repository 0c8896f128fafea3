package com.example.catalog.system;

import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code catalog.warmup.duration} set, the instance has served itself cache hits,
 * and some misses, by the time it reports that it accepts traffic.
 */
@IntegrationTest
@TestPropertySource(properties = "catalog.warmup.duration=3s")
class HitPathWarmupIntegrationTest {

	@Autowired
	ReadinessRecorder readiness;

	@Test
	void theHitPathHasServedHitsBeforeTheInstanceReportsReady() {
		assertThat(this.readiness.hitsWhenReady.get()).as("cache hits served before readiness").isPositive();
	}

	@Test
	void theMissPathHasLoadedBeforeTheInstanceReportsReady() {
		// 20 misses a second for 3 s, from a first one at 50 ms: room for a slow start.
		assertThat(this.readiness.loadsWhenReady.get()).as("loads before readiness").isGreaterThanOrEqualTo(20);
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Config {

		@Bean
		ReadinessRecorder readinessRecorder(MeterRegistry registry) {
			return new ReadinessRecorder(registry);
		}

	}

	/** The number of cache hits at the moment readiness turned to accepting traffic. */
	static final class ReadinessRecorder implements ApplicationListener<AvailabilityChangeEvent<ReadinessState>> {

		private final MeterRegistry registry;

		final AtomicReference<Double> hitsWhenReady = new AtomicReference<>(-1.0);

		final AtomicReference<Double> loadsWhenReady = new AtomicReference<>(-1.0);

		ReadinessRecorder(MeterRegistry registry) {
			this.registry = registry;
		}

		@Override
		public void onApplicationEvent(AvailabilityChangeEvent<ReadinessState> event) {
			if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
				this.hitsWhenReady
					.set(this.registry.get("catalog.cache.requests").tag("result", "hit").counter().count());
				this.loadsWhenReady.set(this.registry.get("catalog.cache.loads").counter().count());
			}
		}

	}

}
