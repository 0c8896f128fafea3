package com.example.catalog.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.example.catalog.faults.FaultProxy.Mode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The fault proxy itself, in front of an echo server.
 */
@FaultTest
class FaultProxyTest {

	private ServerSocket echo;

	private FaultProxy proxy;

	@BeforeEach
	void echoServerBehindAProxy() throws IOException {
		this.echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(() -> {
			while (!this.echo.isClosed()) {
				try {
					Socket socket = this.echo.accept();
					Thread echoing = new Thread(() -> {
						try (socket) {
							socket.getInputStream().transferTo(socket.getOutputStream());
						}
						catch (IOException ex) {
							// closed
						}
					});
					echoing.setDaemon(true);
					echoing.start();
				}
				catch (IOException ex) {
					return;
				}
			}
		});
		acceptor.setDaemon(true);
		acceptor.start();
		this.proxy = FaultProxy.to("127.0.0.1", this.echo.getLocalPort());
	}

	@AfterEach
	void close() throws IOException {
		this.proxy.close();
		this.echo.close();
	}

	@Test
	void passRelaysBothWays() throws IOException {
		try (Socket client = connect()) {
			assertThat(roundTrip(client, "hello")).isEqualTo("hello");
		}
	}

	@Test
	void blackHoleHoldsBytesBackUntilPass() throws IOException {
		try (Socket existing = connect()) {
			assertThat(roundTrip(existing, "before")).isEqualTo("before");
			this.proxy.mode(Mode.BLACK_HOLE);
			try (Socket fresh = connect()) {
				send(existing, "held");
				send(fresh, "queued");
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> read(existing, 4));
				assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> read(fresh, 6));
				this.proxy.mode(Mode.PASS);
				assertThat(read(existing, 4)).isEqualTo("held");
				assertThat(read(fresh, 6)).isEqualTo("queued");
			}
		}
	}

	@Test
	void resetClosesConnectionsAndRefusesNewOnesUntilPass() throws IOException {
		try (Socket existing = connect()) {
			assertThat(roundTrip(existing, "before")).isEqualTo("before");
			this.proxy.mode(Mode.RESET);
			// an RST, not a FIN (which would read as the end of the stream)
			assertThatExceptionOfType(SocketException.class).isThrownBy(() -> read(existing, 1))
				.withMessageContaining("reset");
			assertThatExceptionOfType(ConnectException.class).isThrownBy(this::connect);
			assertThat(this.proxy.connections()).isZero();
		}
		this.proxy.mode(Mode.PASS);
		try (Socket again = connect()) {
			assertThat(roundTrip(again, "after")).isEqualTo("after");
		}
	}

	private Socket connect() throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.proxy.port()), 1000);
		socket.setSoTimeout(300);
		return socket;
	}

	private static String roundTrip(Socket socket, String text) throws IOException {
		send(socket, text);
		return read(socket, text.length());
	}

	private static void send(Socket socket, String text) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(text.getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	private static String read(Socket socket, int length) throws IOException {
		InputStream in = socket.getInputStream();
		byte[] bytes = new byte[length];
		int read = 0;
		while (read < length) {
			int n = in.read(bytes, read, length - read);
			if (n < 0) {
				throw new SocketException("closed after " + read + " bytes");
			}
			read += n;
		}
		return new String(bytes, StandardCharsets.US_ASCII);
	}

}
