package com.example.catalog.system;

import java.time.Duration;

import io.r2dbc.pool.ConnectionPool;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Opens the pool's {@code initial-size} connections (16 by default) before the web server
 * opens its port. A cold pool opens a connection per concurrent request, and on a busy
 * machine a burst of first writes (a client seeding the catalog with 16 threads, say)
 * waited past the pool's one-second acquire time and got 503s while the database was
 * fine. Done before the port opens, not after start-up, so that no client meets the
 * instance while it is still warming. A database that is down at start-up only costs a
 * warning: the pool connects when it comes back.
 */
@Component
class DatabasePoolWarmup implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(DatabasePoolWarmup.class);

	private static final Duration WARMUP_TIMEOUT = Duration.ofSeconds(10);

	/** Before the web server, which starts in {@code DEFAULT_PHASE - 1024}. */
	private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

	private final ObjectProvider<ConnectionPool> pool;

	private volatile boolean running;

	DatabasePoolWarmup(ObjectProvider<ConnectionPool> pool) {
		this.pool = pool;
	}

	@Override
	public void start() {
		this.pool.ifAvailable((pool) -> {
			try {
				Integer opened = pool.warmup().block(WARMUP_TIMEOUT);
				logger.debug("Opened " + opened + " database connections ahead of the first requests");
			}
			catch (RuntimeException ex) {
				logger.warn("Could not open database connections ahead of the first requests: " + ex.getMessage());
			}
		});
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
