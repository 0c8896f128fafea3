package com.example.catalog.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.example.catalog.CacheStatusHeader;

/**
 * A plain blocking HTTP/1.1 client for fault tests, which run on test threads: every call
 * measures its own latency and turns a transport failure into a status of {@code -1}
 * rather than an exception, so that load generators can count failures.
 */
final class Http {

	private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

	private final String base;

	private final HttpClient client;

	private final Duration timeout;

	Http(String host, int port, Duration timeout) {
		this.base = "http://" + host + ":" + port;
		this.timeout = timeout;
		this.client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.executor(Executors.newCachedThreadPool((task) -> {
				Thread thread = new Thread(task, "fault-test-http");
				thread.setDaemon(true);
				return thread;
			}))
			.build();
	}

	Http(int port) {
		this("127.0.0.1", port, Duration.ofSeconds(10));
	}

	Response get(String pathAndQuery, String... headers) {
		return send(HttpRequest.newBuilder(URI.create(this.base + pathAndQuery)).GET(), headers);
	}

	Response postJson(String path, String json, String... headers) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json)), headers);
	}

	Response putJson(String path, String json, String... headers) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(json)), headers);
	}

	Response delete(String path, String... headers) {
		return send(HttpRequest.newBuilder(URI.create(this.base + path)).DELETE(), headers);
	}

	static String[] basic(String user, String password) {
		return new String[] { "Authorization", "Basic "
				+ Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) };
	}

	static String itemJson(String sku, String category, long priceCents) {
		return "{\"sku\":\"" + sku + "\",\"name\":\"Item " + sku + "\",\"description\":\"fault test\",\"category\":\""
				+ category + "\",\"priceCents\":" + priceCents + "}";
	}

	private Response send(HttpRequest.Builder builder, String... headers) {
		if (headers.length > 0) {
			builder.headers(headers);
		}
		HttpRequest request = builder.timeout(this.timeout).build();
		long start = System.nanoTime();
		try {
			HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
			return new Response(response.statusCode(), response.headers().map(), response.body(),
					System.nanoTime() - start, null);
		}
		catch (IOException ex) {
			return new Response(-1, Map.of(), "", System.nanoTime() - start, ex.toString());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Response(-1, Map.of(), "", System.nanoTime() - start, ex.toString());
		}
	}

	/** An answer, or a status of {@code -1} with the transport failure. */
	record Response(int status, Map<String, List<String>> headers, String body, long nanos, String failure) {

		String header(String name) {
			for (Map.Entry<String, List<String>> entry : this.headers.entrySet()) {
				if (entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty()) {
					return entry.getValue().get(0);
				}
			}
			return null;
		}

		String cacheStatus() {
			return CacheStatusHeader.withoutTtlAndKey(header("Cache-Status"));
		}

		long millis() {
			return this.nanos / 1_000_000;
		}

		long id() {
			Matcher matcher = ID.matcher(this.body);
			if (!matcher.find()) {
				throw new IllegalStateException("No id in " + this);
			}
			return Long.parseLong(matcher.group(1));
		}

		@Override
		public String toString() {
			return (this.failure != null) ? "failed after " + millis() + " ms: " + this.failure
					: this.status + " in " + millis() + " ms, Cache-Status " + cacheStatus() + ": "
							+ ((this.body.length() > 300) ? this.body.substring(0, 300) + "…" : this.body);
		}

	}

}
