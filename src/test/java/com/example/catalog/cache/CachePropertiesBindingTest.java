package com.example.catalog.cache;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code catalog.cache.*} binds from ordinary properties with sensible defaults, and a
 * wrong value stops the start-up with a message that names the property.
 */
class CachePropertiesBindingTest {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class);

	@Test
	void defaultsNeedNoConfiguration() {
		this.runner.run((context) -> {
			CacheProperties properties = context.getBean(CacheProperties.class);
			assertThat(properties.enabled()).isTrue();
			assertThat(properties.ttl()).isEqualTo(Duration.ofMinutes(5));
			assertThat(properties.maxEntryBytes()).isEqualTo(DataSize.ofMegabytes(1));
			assertThat(properties.staleIfError()).isEqualTo(Duration.ofHours(1));
		});
	}

	@Test
	void relaxedNamesBind() {
		this.runner
			.withPropertyValues("catalog.cache.enabled=false", "catalog.cache.ttl=90s",
					"catalog.cache.max-entry-bytes=256KB")
			.run((context) -> {
				CacheProperties properties = context.getBean(CacheProperties.class);
				assertThat(properties.enabled()).isFalse();
				assertThat(properties.ttl()).isEqualTo(Duration.ofSeconds(90));
				assertThat(properties.maxEntryBytes()).isEqualTo(DataSize.ofKilobytes(256));
			});
	}

	@Test
	void aZeroTtlStopsTheStartUpNamingTheProperty() {
		this.runner.withPropertyValues("catalog.cache.ttl=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("catalog.cache.ttl"));
	}

	@Test
	void aJitterAboveOneStopsTheStartUpNamingTheProperty() {
		this.runner.withPropertyValues("catalog.cache.ttl-jitter=3")
			.run((context) -> assertThat(context).hasFailed().getFailure().hasStackTraceContaining("ttlJitter"));
	}

	@Test
	void aKeyPrefixThatWouldSplitTheHashSlotIsRefused() {
		this.runner.withPropertyValues("catalog.cache.key-prefix=a{b}")
			.run((context) -> assertThat(context).hasFailed().getFailure().hasStackTraceContaining("keyPrefix"));
	}

	@Test
	void anHttpMaxAgeLongerThanTheTtlIsRefused() {
		this.runner.withPropertyValues("catalog.cache.ttl=1m", "catalog.cache.http-max-age=2m")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("catalog.cache.http-max-age"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(CacheProperties.class)
	static class Config {

	}

}
