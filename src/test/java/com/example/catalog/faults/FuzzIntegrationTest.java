package com.example.catalog.faults;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * More than a thousand malformed requests, generated from a fixed seed and sent byte for
 * byte over raw sockets: none may be answered with a 5xx (or left unanswered), and the
 * requests the service rejected must not be able to add keys to Redis. It shares the
 * plain {@link IntegrationTest} context; the editor's writes touch only items of its own
 * category and ids that do not exist.
 */
@IntegrationTest
class FuzzIntegrationTest {

	private static final long SEED = 20260501L;

	private static final int CLIENTS = 4;

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	private static final Duration NOT_FOUND_TTL = Duration.ofSeconds(10);

	private static final Pattern BOUNDED_COUNTER = Pattern.compile(".*:gen:\\{[^}]+\\}:(items|category):\\d{1,4}");

	@Test
	void malformedRequestsGetNoServerErrorAndRejectedOnesStoreNothing() throws Exception {
		Http http = new Http(this.port);
		String category = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);
		Http.Response created = http.postJson("/catalog/items", Http.itemJson(category + "-1", category, 100),
				Http.basic("editor", "editor-secret"));
		assertThat(created.status()).as("%s", created).isEqualTo(201);
		// A valid read first: the generation counters and the entry it creates are
		// bounded, legitimate keys, and show that keys() sees this context's keys (an
		// empty baseline would make "no key added" hold whatever the service did).
		assertThat(http.get("/catalog?category=" + category).status()).isEqualTo(200);
		List<String> baseline = keys();
		assertThat(baseline).as("keys under the prefix after a valid read")
			.anyMatch((key) -> key.contains(":gen:"))
			.anyMatch((key) -> key.contains(":resp:catalog:"));

		List<MalformedRequests.Case> cases = new MalformedRequests(SEED, "editor:editor-secret", category, created.id())
			.generate();
		assertThat(cases).hasSizeGreaterThanOrEqualTo(1000);
		long start = System.nanoTime();
		List<RawHttp.Answer> answers = sendAll(cases);
		long millis = (System.nanoTime() - start) / 1_000_000;

		List<MalformedRequests.Case> rejected = new ArrayList<>();
		for (int i = 0; i < cases.size(); i++) {
			if (answers.get(i).status() >= 400 && answers.get(i).status() < 500) {
				rejected.add(cases.get(i));
			}
		}
		// The accepted requests may have stored responses, and a rejected one may have
		// added a key too: remove whatever the first pass added, so that a key a
		// rejected request creates shows when it is sent again.
		List<String> addedByFirstPass = new ArrayList<>(keys());
		addedByFirstPass.removeAll(baseline);
		deleteKeys(addedByFirstPass);
		List<String> keysBefore = keys();
		assertThat(keysBefore).as("keys before the replay").containsExactlyInAnyOrderElementsOf(baseline);
		List<RawHttp.Answer> replayed = sendAll(rejected);
		List<String> keysAfter = keys();

		Map<Integer, Integer> statuses = new TreeMap<>();
		answers.forEach((answer) -> statuses.merge(answer.status(), 1, Integer::sum));
		System.out.printf(
				"Fuzzed %d requests in %d ms (seed %d); statuses: %s; %d keys under the prefix before, %d added "
						+ "(and removed) by the first pass; replayed the %d rejected ones: %d keys after%n",
				cases.size(), millis, SEED, statuses, baseline.size(), addedByFirstPass.size(), rejected.size(),
				keysAfter.size());

		List<String> serverErrors = new ArrayList<>();
		List<String> unanswered = new ArrayList<>();
		for (int i = 0; i < cases.size(); i++) {
			RawHttp.Answer answer = answers.get(i);
			String report = cases.get(i).description() + "\n    request:  " + cases.get(i).shown() + "\n    response: "
					+ answer;
			if (answer.status() >= 500) {
				serverErrors.add(report);
			}
			else if (answer.status() < 0) {
				unanswered.add(report);
			}
		}
		List<String> acceptedOnReplay = new ArrayList<>();
		for (int i = 0; i < rejected.size(); i++) {
			if (replayed.get(i).status() < 400) {
				acceptedOnReplay.add(rejected.get(i).description() + " -> " + replayed.get(i));
			}
		}
		print("answered with a 5xx", serverErrors);
		print("not answered", unanswered);
		TreeSet<String> added = new TreeSet<>(keysAfter);
		added.removeAll(baseline);
		// A well-formed request for an item or category nobody has (a 404, an empty
		// page) reads the counter of its scope's bucket, which seeds it: bounded by the
		// number of buckets, whatever is sent. Anything else it added is a leak.
		added.removeIf(BOUNDED_COUNTER.asMatchPredicate());
		// A well-formed request for an item nobody has is a 404 the cache keeps for
		// not-found-ttl (so that a scan of unknown ids stops reaching the database):
		// bounded by that TTL, which each such key must carry.
		added.removeIf((key) -> key.contains(":resp:item:") && expiresWithin(key, NOT_FOUND_TTL));

		SoftAssertions softly = new SoftAssertions();
		softly.assertThat(serverErrors).as("requests answered with a 5xx (first: %s)", first(serverErrors)).isEmpty();
		softly.assertThat(unanswered).as("requests left without an answer (first: %s)", first(unanswered)).isEmpty();
		softly.assertThat(rejected).as("rejected requests").hasSizeGreaterThan(cases.size() / 2);
		softly.assertThat(acceptedOnReplay).as("rejected requests accepted when sent again").isEmpty();
		softly.assertThat(added).as("Redis keys added by %d rejected requests", rejected.size()).isEmpty();
		softly.assertAll();
	}

	private List<RawHttp.Answer> sendAll(List<MalformedRequests.Case> cases) throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
		try (RawHttp raw = new RawHttp(this.port, Duration.ofSeconds(5))) {
			List<Future<RawHttp.Answer>> futures = new ArrayList<>();
			for (MalformedRequests.Case fuzzCase : cases) {
				futures.add(clients.submit(() -> raw.exchange(fuzzCase.bytes())));
			}
			List<RawHttp.Answer> answers = new ArrayList<>();
			for (Future<RawHttp.Answer> future : futures) {
				answers.add(future.get());
			}
			return answers;
		}
		finally {
			clients.shutdownNow();
		}
	}

	/** The keys under this context's prefix, read from Redis directly. */
	private List<String> keys() {
		URI redis = LocalServers.redis();
		try (RespClient client = new RespClient(redis.getHost(), redis.getPort())) {
			client.call("SELECT", String.valueOf(LocalServers.redisDatabase()));
			return client.scan(this.environment.getRequiredProperty("catalog.cache.key-prefix") + ":*");
		}
	}

	private boolean expiresWithin(String key, Duration ttl) {
		URI redis = LocalServers.redis();
		try (RespClient client = new RespClient(redis.getHost(), redis.getPort())) {
			client.call("SELECT", String.valueOf(LocalServers.redisDatabase()));
			long millis = Long.parseLong(String.valueOf(client.call("PTTL", key)));
			return millis > 0 && millis <= ttl.toMillis();
		}
	}

	private void deleteKeys(List<String> keys) {
		URI redis = LocalServers.redis();
		try (RespClient client = new RespClient(redis.getHost(), redis.getPort())) {
			client.call("SELECT", String.valueOf(LocalServers.redisDatabase()));
			keys.forEach((key) -> client.call("DEL", key));
		}
	}

	private static void print(String what, List<String> reports) {
		if (!reports.isEmpty()) {
			System.out.printf("%d requests %s; the first ones:%n", reports.size(), what);
			reports.stream().limit(15).forEach((report) -> System.out.println("  " + report));
		}
	}

	private static String first(List<String> reports) {
		return reports.isEmpty() ? "none" : reports.get(0);
	}

}
