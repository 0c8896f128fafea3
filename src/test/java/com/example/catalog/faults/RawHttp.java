package com.example.catalog.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends a request exactly as given, byte for byte, over a fresh connection, and reads
 * what comes back until the server closes the connection (requests ask for
 * {@code Connection: close}) or the timeout passes. No client library stands between the
 * fuzzer and the server, so malformed request lines, headers and bodies arrive as
 * written.
 */
final class RawHttp implements AutoCloseable {

	private final int port;

	private final Duration timeout;

	/** Writes while the caller reads, so that an early answer is never missed. */
	private final ExecutorService writers = Executors.newCachedThreadPool((task) -> {
		Thread thread = new Thread(task, "raw-http-writer");
		thread.setDaemon(true);
		return thread;
	});

	RawHttp(int port, Duration timeout) {
		this.port = port;
		this.timeout = timeout;
	}

	Answer exchange(byte[] request) {
		long start = System.nanoTime();
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		String failure = null;
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 2000);
			socket.setSoTimeout((int) this.timeout.toMillis());
			OutputStream out = socket.getOutputStream();
			this.writers.execute(() -> {
				try {
					out.write(request);
					out.flush();
				}
				catch (IOException ex) {
					// the server answered (and closed) before reading everything
				}
			});
			InputStream in = socket.getInputStream();
			boolean head = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1)
				.equals("HEAD ");
			byte[] buffer = new byte[8192];
			int read;
			while (!complete(received.toByteArray(), head) && (read = in.read(buffer)) >= 0) {
				received.write(buffer, 0, read);
			}
		}
		catch (SocketTimeoutException ex) {
			failure = "no end of the answer within " + this.timeout.toMillis() + " ms";
		}
		catch (IOException ex) {
			failure = ex.toString();
		}
		return Answer.of(received.toByteArray(), failure, System.nanoTime() - start);
	}

	@Override
	public void close() {
		this.writers.shutdownNow();
	}

	/**
	 * Whether the bytes hold a whole final response: its head, and its body as framed by
	 * {@code Content-Length} or chunked encoding (without either, the body ends when the
	 * connection does).
	 */
	static boolean complete(byte[] bytes, boolean headRequest) {
		String text = new String(bytes, StandardCharsets.ISO_8859_1);
		int offset = 0;
		while (true) {
			int end = text.indexOf("\r\n\r\n", offset);
			if (end < 0) {
				return false;
			}
			String head = text.substring(offset, end);
			int status;
			try {
				status = Integer.parseInt(head.substring(9, 12));
			}
			catch (RuntimeException ex) {
				return false;
			}
			int bodyStart = end + 4;
			if (status >= 100 && status < 200) {
				offset = bodyStart;
				continue;
			}
			if (headRequest || status == 204 || status == 304) {
				return true;
			}
			String lower = head.toLowerCase(Locale.ROOT);
			int length = lower.indexOf("\r\ncontent-length:");
			if (length >= 0) {
				int valueEnd = lower.indexOf("\r\n", length + 2);
				String value = lower.substring(length + 17, (valueEnd < 0) ? lower.length() : valueEnd).trim();
				try {
					return text.length() - bodyStart >= Long.parseLong(value);
				}
				catch (NumberFormatException ex) {
					return false;
				}
			}
			if (lower.contains("\r\ntransfer-encoding: chunked")) {
				return text.endsWith("\r\n0\r\n\r\n") || text.substring(bodyStart).startsWith("0\r\n\r\n");
			}
			return false;
		}
	}

	/**
	 * What came back: the status of the (last, past any {@code 1xx}) response, or
	 * {@code -1} when no status line arrived.
	 */
	record Answer(int status, String head, String body, String failure, long nanos) {

		static Answer of(byte[] bytes, String failure, long nanos) {
			String text = new String(bytes, StandardCharsets.ISO_8859_1);
			int status = -1;
			String head = "";
			String body = "";
			int offset = 0;
			while (text.startsWith("HTTP/", offset)) {
				int end = text.indexOf("\r\n\r\n", offset);
				head = (end < 0) ? text.substring(offset) : text.substring(offset, end);
				try {
					status = Integer.parseInt(head.substring(9, 12));
				}
				catch (RuntimeException ex) {
					status = -1;
				}
				body = (end < 0) ? "" : text.substring(end + 4);
				offset = (end < 0) ? text.length() : end + 4;
				if (status < 100 || status >= 200) {
					break;
				}
			}
			return new Answer(status, head, body, failure, nanos);
		}

		@Override
		public String toString() {
			String shown = this.head.replace("\r\n", " | ");
			String excerpt = (this.body.length() > 400) ? this.body.substring(0, 400) + "…" : this.body;
			return ((this.status < 0) ? "no response" : shown + " || " + excerpt)
					+ ((this.failure != null) ? " [" + this.failure + "]" : "");
		}

	}

}
