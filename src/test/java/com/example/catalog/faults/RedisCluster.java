package com.example.catalog.faults;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis Cluster of three masters, each a {@code redis-server} process of this test on a
 * free loopback port with a temporary directory, joined by
 * {@code redis-cli --cluster create}. Nothing is persisted; {@link #close()} stops the
 * processes and removes the directories.
 */
final class RedisCluster implements AutoCloseable {

	private final List<Integer> ports = new ArrayList<>();

	private final List<Process> processes = new ArrayList<>();

	private final List<Path> directories = new ArrayList<>();

	private RedisCluster() {
	}

	static RedisCluster start(int masters) {
		String server = executable("redis-server");
		String cli = executable("redis-cli");
		RedisCluster cluster = new RedisCluster();
		try {
			for (int i = 0; i < masters; i++) {
				cluster.startNode(server);
			}
			for (int port : cluster.ports) {
				awaitPing(port);
			}
			List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
			cluster.ports.forEach((port) -> create.add("127.0.0.1:" + port));
			create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
			run(create, cluster.directories.get(0).resolve("create.log"));
			cluster.awaitState();
			return cluster;
		}
		catch (IOException | RuntimeException ex) {
			String logs = cluster.logs();
			cluster.close();
			throw new IllegalStateException("Could not start a Redis Cluster: " + ex.getMessage() + "\n" + logs, ex);
		}
	}

	List<Integer> ports() {
		return this.ports;
	}

	/** {@code spring.data.redis.cluster.nodes}: every master, comma-separated. */
	String nodes() {
		return this.ports.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
	}

	private void startNode(String server) throws IOException {
		int port = FreePorts.find(10000);
		Path directory = Files.createTempDirectory("redis-cluster-" + port + "-");
		this.directories.add(directory);
		Process process = new ProcessBuilder(server, "--port", String.valueOf(port), "--bind", "127.0.0.1",
				"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
				"--dir", directory.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile",
				directory.resolve("redis.log").toString())
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("stdout.log").toFile())
			.start();
		this.ports.add(port);
		this.processes.add(process);
	}

	private static void awaitPing(int port) {
		await("redis-server on port " + port + " answering PING").atMost(Duration.ofSeconds(15))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(50))
			.ignoreExceptions()
			.until(() -> {
				try (RespClient client = new RespClient("127.0.0.1", port)) {
					return "PONG".equals(client.call("PING"));
				}
			});
	}

	/** Waits until every node sees the whole cluster, all slots assigned. */
	private void awaitState() {
		await("every node seeing the whole cluster, all slots assigned").atMost(Duration.ofSeconds(30))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> {
				for (int port : this.ports) {
					try (RespClient client = new RespClient("127.0.0.1", port)) {
						assertThat((String) client.call("CLUSTER", "INFO")).as("CLUSTER INFO of port %d", port)
							.contains("cluster_state:ok", "cluster_slots_assigned:16384",
									"cluster_known_nodes:" + this.ports.size());
					}
				}
			});
	}

	private static void run(List<String> command, Path log) throws IOException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(String.join(" ", command) + " did not finish");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			process.destroyForcibly();
			throw new IllegalStateException("Interrupted", ex);
		}
		if (process.exitValue() != 0) {
			throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue() + ":\n"
					+ Files.readString(log, StandardCharsets.UTF_8));
		}
	}

	private static String executable(String name) {
		for (String directory : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
			File file = new File(directory, name);
			if (file.canExecute()) {
				return file.getPath();
			}
		}
		throw new IllegalStateException("The Redis Cluster test needs " + name
				+ " on the PATH (Debian: apt-get install redis-server; .ci/run installs it)");
	}

	private String logs() {
		StringBuilder logs = new StringBuilder();
		for (Path directory : this.directories) {
			for (String file : new String[] { "redis.log", "stdout.log", "create.log" }) {
				Path path = directory.resolve(file);
				if (Files.exists(path)) {
					try {
						List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
						logs.append(path)
							.append(":\n")
							.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())))
							.append('\n');
					}
					catch (IOException ex) {
						// best effort
					}
				}
			}
		}
		return logs.toString();
	}

	@Override
	public void close() {
		for (Process process : this.processes) {
			process.destroy();
		}
		for (Process process : this.processes) {
			try {
				if (!process.waitFor(10, TimeUnit.SECONDS)) {
					process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				process.destroyForcibly();
			}
		}
		for (Path directory : this.directories) {
			try (Stream<Path> paths = Files.walk(directory)) {
				paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
			}
			catch (IOException ex) {
				// best effort
			}
		}
	}

}
