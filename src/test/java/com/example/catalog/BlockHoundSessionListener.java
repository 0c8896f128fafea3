package com.example.catalog;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound before any test runs: a blocking call on a Reactor or Netty event
 * loop anywhere in the application fails the request (and so the test) that made it.
 */
public class BlockHoundSessionListener implements LauncherSessionListener {

	@Override
	public void launcherSessionOpened(LauncherSession session) {
		BlockHound.builder()
			// Class loading and JIT-time initialisation read jars; they happen once per
			// class.
			.allowBlockingCallsInside("java.util.UUID", "randomUUID")
			.allowBlockingCallsInside("java.security.SecureRandom", "nextBytes")
			.install();
	}

}
