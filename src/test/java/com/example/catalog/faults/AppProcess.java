package com.example.catalog.faults;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.CatalogServiceApplication;

import static org.awaitility.Awaitility.await;

/**
 * The application in a JVM of its own, started from the test class path (nothing has to
 * be packaged first) and configured only through {@code SPRING_APPLICATION_JSON}, as a
 * deployment would configure it.
 */
final class AppProcess implements AutoCloseable {

	private final Process process;

	private final int port;

	private final Path log;

	private AppProcess(Process process, int port, Path log) {
		this.process = process;
		this.port = port;
		this.log = log;
	}

	/**
	 * Starts the application with these properties (nested maps or dotted keys are both
	 * fine in {@code SPRING_APPLICATION_JSON}) and waits until it is healthy.
	 */
	static AppProcess start(String name, Map<String, Object> properties, Duration startupTimeout) throws IOException {
		int port = FreePorts.find(0);
		Map<String, Object> settings = new LinkedHashMap<>(properties);
		settings.put("server.port", port);
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx512m");
		command.add("-XX:TieredStopAtLevel=1");
		command.add("-cp");
		command.add(classPath);
		command.add(CatalogServiceApplication.class.getName());
		Path log = Path.of("target", "faults", name + ".log").toAbsolutePath();
		Files.createDirectories(log.getParent());
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.directory(new File(System.getProperty("user.dir")));
		builder.environment().put("SPRING_APPLICATION_JSON", JsonMapper.builder().build().writeValueAsString(settings));
		AppProcess app = new AppProcess(builder.start(), port, log);
		try {
			app.awaitHealthy(startupTimeout);
		}
		catch (RuntimeException ex) {
			app.close();
			throw ex;
		}
		return app;
	}

	int port() {
		return this.port;
	}

	long pid() {
		return this.process.pid();
	}

	/** {@code kill -9}: on Linux, {@link Process#destroyForcibly()} sends SIGKILL. */
	void kill() throws InterruptedException {
		this.process.destroyForcibly();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("Process " + this.process.pid() + " survived SIGKILL");
		}
	}

	/** The last lines of the application's output. */
	String tail(int lines) {
		try {
			List<String> all = Files.readAllLines(this.log, StandardCharsets.UTF_8);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
		}
	}

	private void awaitHealthy(Duration timeout) {
		Http http = new Http("127.0.0.1", this.port, Duration.ofSeconds(2));
		try {
			await("the application healthy").atMost(timeout)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(200))
				.failFast("the application exited while starting", () -> !this.process.isAlive())
				.until(() -> http.get("/actuator/health").status() == 200);
		}
		catch (ConditionTimeoutException ex) {
			throw new IllegalStateException("The application was not healthy within " + timeout + "; its output ("
					+ this.log + ") ends with:\n" + tail(40), ex);
		}
		catch (TerminalFailureException ex) {
			throw new IllegalStateException("The application exited with " + this.process.exitValue()
					+ " while starting; its output (" + this.log + ") ends with:\n" + tail(40), ex);
		}
	}

	/** Stops the application gracefully (SIGTERM), forcibly if it takes too long. */
	@Override
	public void close() {
		if (!this.process.isAlive()) {
			return;
		}
		this.process.destroy();
		try {
			if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
	}

}
