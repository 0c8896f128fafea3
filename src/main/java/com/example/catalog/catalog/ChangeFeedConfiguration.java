package com.example.catalog.catalog;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.ResponseCache;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ChangeFeedConfiguration {

	/** Without the cache there is nothing to invalidate, and no connection to hold. */
	@Bean
	@ConditionalOnBooleanProperty(name = "catalog.cache.enabled", matchIfMissing = true)
	ChangeFeed changeFeed(ConnectionFactory connectionFactory, ResponseCache cache, JsonMapper jsonMapper, Clock clock,
			MeterRegistry meterRegistry) {
		return new ChangeFeed(connectionFactory, cache, jsonMapper, clock, meterRegistry);
	}

}
