package com.example.catalog.system;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.PoolMetrics;
import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool holds its initial connections once the application has started, before any
 * request asked for one.
 */
@IntegrationTest
@TestPropertySource(properties = "spring.r2dbc.pool.initial-size=5")
class DatabasePoolWarmupIntegrationTest {

	@Autowired
	ConnectionPool pool;

	@Test
	void theInitialConnectionsAreOpenBeforeTheFirstRequest() {
		PoolMetrics metrics = this.pool.getMetrics().orElseThrow();
		assertThat(metrics.allocatedSize()).as("connections open at start-up").isGreaterThanOrEqualTo(5);
	}

}
