package com.example.catalog.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a loopback port that forwards to one target and can be told to fail, the
 * Java counterpart of {@code acceptance/faults.py}. Each connection is relayed by two
 * plain threads (one per direction), which keeps the proxy simple and obviously correct.
 * <ul>
 * <li>{@link Mode#PASS}: bytes are relayed both ways.</li>
 * <li>{@link Mode#BLACK_HOLE}: connections are accepted and their bytes are taken, but
 * nothing is forwarded or answered, as in a network partition: relaying pauses, existing
 * connections included, and what was held back flows again after a return to {@code PASS}
 * (TCP loses no bytes, so neither does the proxy).</li>
 * <li>{@link Mode#RESET}: as when the server process is killed: every open connection is
 * closed with a TCP RST and new connections are refused (the listening socket is closed
 * and bound again on the same port when the mode changes back).</li>
 * </ul>
 * {@link #mode(Mode)} returns once the mode is in effect.
 */
public final class FaultProxy implements AutoCloseable {

	/** What the proxy does with connections. */
	public enum Mode {

		PASS, BLACK_HOLE, RESET

	}

	private static final int CONNECT_TIMEOUT_MILLIS = 2000;

	private final InetSocketAddress target;

	private final int port;

	private final ExecutorService threads;

	/** Guards the mode, the listener and the links; waited on while black-holed. */
	private final Object lock = new Object();

	private final Set<Link> links = new HashSet<>();

	private Mode mode = Mode.PASS;

	private ServerSocket listener;

	/** Counted down when the thread accepting on {@link #listener} has returned. */
	private CountDownLatch acceptorDone;

	private boolean closed;

	private FaultProxy(InetSocketAddress target, int port) throws IOException {
		this.target = target;
		this.port = port;
		AtomicInteger count = new AtomicInteger();
		this.threads = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "fault-proxy-" + port + "-" + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		synchronized (this.lock) {
			listen();
		}
	}

	/**
	 * Starts a proxy to {@code host:port} on a free loopback port outside the ephemeral
	 * range (so that no outgoing connection can take the port while it is refusing).
	 */
	public static FaultProxy to(String host, int port) {
		try {
			return new FaultProxy(new InetSocketAddress(host, port), FreePorts.find(0));
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start a fault proxy to " + host + ":" + port, ex);
		}
	}

	public int port() {
		return this.port;
	}

	public Mode mode() {
		synchronized (this.lock) {
			return this.mode;
		}
	}

	/** Switches the mode for existing and new connections. */
	public void mode(Mode mode) {
		CountDownLatch listenerGone = null;
		synchronized (this.lock) {
			if (this.closed) {
				throw new IllegalStateException("The proxy is closed");
			}
			this.mode = mode;
			if (mode == Mode.RESET) {
				listenerGone = closeListener();
				for (Link link : new ArrayList<>(this.links)) {
					link.close(true);
				}
				this.links.clear();
			}
			else if (this.listener == null) {
				try {
					listen();
				}
				catch (IOException ex) {
					throw new IllegalStateException("Could not listen on port " + this.port + " again", ex);
				}
			}
			this.lock.notifyAll();
		}
		awaitQuietly(listenerGone);
	}

	/** How many client connections are open. */
	public int connections() {
		synchronized (this.lock) {
			return this.links.size();
		}
	}

	@Override
	public void close() {
		List<Link> open;
		CountDownLatch listenerGone;
		synchronized (this.lock) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			listenerGone = closeListener();
			open = new ArrayList<>(this.links);
			this.links.clear();
			this.lock.notifyAll();
		}
		open.forEach((link) -> link.close(false));
		awaitQuietly(listenerGone);
		this.threads.shutdownNow();
	}

	private void listen() throws IOException {
		IOException failure = null;
		// The old socket may take a moment to release the port; retry briefly.
		for (int attempt = 0; attempt < 50; attempt++) {
			ServerSocket socket = new ServerSocket();
			try {
				socket.setReuseAddress(true);
				socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 512);
				this.listener = socket;
				CountDownLatch done = new CountDownLatch(1);
				this.acceptorDone = done;
				this.threads.execute(() -> {
					try {
						accept(socket);
					}
					finally {
						done.countDown();
					}
				});
				return;
			}
			catch (IOException ex) {
				socket.close();
				failure = ex;
				try {
					this.lock.wait(20);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					break;
				}
			}
		}
		throw failure;
	}

	/**
	 * Closes the listening socket; the latch tells when it is really closed. A
	 * {@code ServerSocket} closed while another thread is blocked in {@code accept} stays
	 * open in the kernel until that thread has left the call, and until then connections
	 * are still accepted: callers wait for the latch (outside the lock, which the
	 * accepting thread may need) before they count on connections being refused.
	 */
	private CountDownLatch closeListener() {
		if (this.listener == null) {
			return null;
		}
		closeQuietly(this.listener);
		this.listener = null;
		return this.acceptorDone;
	}

	private static void awaitQuietly(CountDownLatch latch) {
		if (latch == null) {
			return;
		}
		try {
			if (!latch.await(5, TimeUnit.SECONDS)) {
				throw new IllegalStateException("The proxy's listener did not close within 5 s");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void accept(ServerSocket socket) {
		while (!socket.isClosed()) {
			Socket client;
			try {
				client = socket.accept();
			}
			catch (IOException ex) {
				return;
			}
			Link link = new Link(client);
			synchronized (this.lock) {
				if (this.closed || this.mode == Mode.RESET) {
					link.close(true);
					continue;
				}
				this.links.add(link);
			}
			this.threads.execute(link::run);
		}
	}

	/**
	 * Waits while the proxy is black-holed.
	 * @throws IOException when the link was closed meanwhile
	 */
	private void awaitPass(Link link) throws IOException {
		synchronized (this.lock) {
			while (this.mode == Mode.BLACK_HOLE && this.links.contains(link)) {
				try {
					this.lock.wait();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException("Interrupted", ex);
				}
			}
			if (!this.links.contains(link)) {
				throw new IOException("Link closed");
			}
		}
	}

	private static void closeQuietly(AutoCloseable closeable) {
		if (closeable != null) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				// closing anyway
			}
		}
	}

	/** One client connection and, once connected, its upstream connection. */
	private final class Link {

		private final Socket client;

		private volatile Socket upstream;

		Link(Socket client) {
			this.client = client;
		}

		void run() {
			try {
				this.client.setTcpNoDelay(true);
				awaitPass(this);
				Socket socket = new Socket();
				this.upstream = socket;
				socket.setTcpNoDelay(true);
				try {
					socket.connect(FaultProxy.this.target, CONNECT_TIMEOUT_MILLIS);
				}
				catch (IOException ex) {
					// The target is down: the client sees its connection reset.
					close(true);
					return;
				}
				synchronized (FaultProxy.this.lock) {
					if (!FaultProxy.this.links.contains(this)) {
						close(true);
						return;
					}
				}
				FaultProxy.this.threads.execute(() -> relay(socket, this.client));
				relay(this.client, socket);
			}
			catch (IOException | RuntimeException ex) {
				close(false);
			}
		}

		private void relay(Socket from, Socket to) {
			byte[] buffer = new byte[16 * 1024];
			try {
				InputStream in = from.getInputStream();
				OutputStream out = to.getOutputStream();
				while (true) {
					int read = in.read(buffer);
					if (read < 0) {
						break;
					}
					// Taken but held back while black-holed.
					awaitPass(this);
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException | RuntimeException ex) {
				// closed, reset or interrupted
			}
			close(false);
		}

		/** Closes both sides; with {@code reset}, with an RST rather than a FIN. */
		void close(boolean reset) {
			synchronized (FaultProxy.this.lock) {
				FaultProxy.this.links.remove(this);
				FaultProxy.this.lock.notifyAll();
			}
			for (Socket socket : new Socket[] { this.client, this.upstream }) {
				if (socket == null || socket.isClosed()) {
					continue;
				}
				if (reset) {
					try {
						socket.setSoLinger(true, 0);
					}
					catch (IOException ex) {
						// closed meanwhile
					}
				}
				closeQuietly(socket);
			}
		}

	}

}
