package com.example.catalog.catalog;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.example.catalog.CatalogServiceApplication;
import com.example.catalog.TestServers;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract's read-after-write promise, checked the way a client would: a writer
 * changes an item's price again and again through two instances that share PostgreSQL and
 * Redis, while readers on both instances read the item and a listing that contains it.
 * Every read that starts after a write's response has arrived must show that write or a
 * later one.
 */
class ReadAfterWriteAcrossInstancesTest {

	private static final Pattern PRICE = Pattern.compile("\"priceCents\":(\\d+)");

	private static final int WRITES = 150;

	private static final List<ConfigurableApplicationContext> instances = new ArrayList<>();

	private static final List<String> bases = new ArrayList<>();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@BeforeAll
	static void startTwoInstances() {
		String keyPrefix = "raw-" + UUID.randomUUID().toString().substring(0, 8);
		for (int i = 0; i < 2; i++) {
			Map<String, Object> settings = new HashMap<>(TestServers.serverProperties());
			settings.put("server.port", "0");
			settings.put("catalog.cache.key-prefix", keyPrefix);
			settings.put("catalog.cache.redis-timeout", "2s");
			settings.put("catalog.security.users.editor.password", "{noop}editor-secret");
			settings.put("catalog.security.users.editor.roles", "EDITOR");
			List<String> arguments = new ArrayList<>();
			settings.forEach((name, value) -> arguments.add("--" + name + "=" + value));
			ConfigurableApplicationContext context = new SpringApplication(CatalogServiceApplication.class)
				.run(arguments.toArray(String[]::new));
			instances.add(context);
			bases.add("http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort());
		}
	}

	@AfterAll
	static void stopInstances() {
		instances.forEach(ConfigurableApplicationContext::close);
		// A rerun of a failed test (surefire) starts two instances of its own.
		instances.clear();
		bases.clear();
	}

	@Test
	void everyReadThatStartsAfterAWriteResponseSeesThatWrite() throws Exception {
		String category = "raw-" + UUID.randomUUID().toString().substring(0, 8);
		String sku = category + "-item";
		HttpResponse<String> created = send("POST", bases.get(0) + "/catalog/items", item(sku, category, 0));
		assertThat(created.statusCode()).isEqualTo(201);
		Matcher id = Pattern.compile("\"id\":(\\d+)").matcher(created.body());
		assertThat(id.find()).isTrue();
		List<String> paths = List.of("/catalog/items/" + id.group(1), "/catalog?category=" + category);

		// acknowledgedAt[i]: when the response of the write that set price i arrived.
		AtomicLongArray acknowledgedAt = new AtomicLongArray(WRITES + 1);
		acknowledgedAt.set(0, System.nanoTime());
		for (int i = 1; i <= WRITES; i++) {
			acknowledgedAt.set(i, Long.MAX_VALUE);
		}
		AtomicBoolean writing = new AtomicBoolean(true);
		ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
		ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
		int[] reads = new int[1];
		ExecutorService pool = Executors.newFixedThreadPool(5);
		try {
			List<Future<Integer>> readers = new ArrayList<>();
			for (int r = 0; r < 4; r++) {
				readers.add(pool.submit(() -> {
					int done = 0;
					while (writing.get()) {
						String base = bases.get(ThreadLocalRandom.current().nextInt(2));
						String path = paths.get(ThreadLocalRandom.current().nextInt(2));
						long startedAt = System.nanoTime();
						HttpResponse<String> response = send("GET", base + path, null);
						done++;
						if (response.statusCode() != 200) {
							failures.add(path + " -> " + response.statusCode());
							continue;
						}
						Matcher price = PRICE.matcher(response.body());
						int seen = price.find() ? Integer.parseInt(price.group(1)) : -1;
						int latestAcknowledged = latestBefore(acknowledgedAt, startedAt);
						if (seen < latestAcknowledged) {
							violations.add(base + path + " started after write " + latestAcknowledged + " but showed "
									+ seen + " (" + response.headers().firstValue("Cache-Status").orElse("") + ")");
						}
					}
					return done;
				}));
			}
			for (int i = 1; i <= WRITES; i++) {
				HttpResponse<String> response = send("PUT", bases.get(i % 2) + paths.get(0), item(sku, category, i));
				assertThat(response.statusCode()).as("write %d", i).isEqualTo(200);
				acknowledgedAt.set(i, System.nanoTime());
			}
			writing.set(false);
			for (Future<Integer> reader : readers) {
				reads[0] += reader.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			writing.set(false);
			pool.shutdownNow();
		}
		assertThat(failures).isEmpty();
		assertThat(reads[0]).as("reads made").isGreaterThan(WRITES);
		assertThat(violations).as("%d reads, %d writes", reads[0], WRITES).isEmpty();
	}

	/** The highest write whose response had arrived before {@code nanos}. */
	private static int latestBefore(AtomicLongArray acknowledgedAt, long nanos) {
		int latest = 0;
		for (int i = 1; i < acknowledgedAt.length(); i++) {
			if (acknowledgedAt.get(i) < nanos) {
				latest = i;
			}
		}
		return latest;
	}

	private static String item(String sku, String category, int price) {
		return "{\"sku\":\"" + sku + "\",\"name\":\"Read after write\",\"description\":\"\",\"category\":\"" + category
				+ "\",\"priceCents\":" + price + "}";
	}

	private HttpResponse<String> send(String method, String url, String json) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
		if (json != null) {
			request.header("Content-Type", "application/json")
				.header("Authorization",
						"Basic " + Base64.getEncoder().encodeToString("editor:editor-secret".getBytes()))
				.method(method, HttpRequest.BodyPublishers.ofString(json));
		}
		else {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
