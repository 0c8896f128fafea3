package com.example.catalog.faults;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports below Linux's ephemeral range (32768-60999 by default). A port the
 * kernel never hands out to outgoing connections cannot be taken while a test has let go
 * of it (a refusing fault proxy, a restarting server), and a client reconnecting to it
 * cannot end up connected to itself.
 */
final class FreePorts {

	private static final int LOWEST = 20000;

	private static final int HIGHEST = 22700;

	private FreePorts() {
	}

	/**
	 * A free port {@code p} such that {@code p + offset} is free too (Redis Cluster's bus
	 * port is the client port + 10000; pass 0 for no second port).
	 */
	static int find(int offset) {
		for (int attempt = 0; attempt < 500; attempt++) {
			int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
			if (isFree(port) && (offset == 0 || isFree(port + offset))) {
				return port;
			}
		}
		throw new IllegalStateException("No free port between " + LOWEST + " and " + HIGHEST);
	}

	static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
