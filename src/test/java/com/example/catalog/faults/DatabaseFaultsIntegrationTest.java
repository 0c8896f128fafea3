package com.example.catalog.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import com.example.catalog.faults.FaultProxy.Mode;

import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL unreachable (see {@link DatabaseFaultsSupport}): the cache keeps serving
 * what it holds, anything that needs the database answers 503 problem+json with
 * {@code Retry-After} within 2 s, nothing hangs, and once the database is back the
 * connection pool recovers by itself.
 */
@FaultTest
class DatabaseFaultsIntegrationTest extends DatabaseFaultsSupport {

	private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);

	@Test
	void databaseAnsweringNothing() {
		databaseDown(Mode.BLACK_HOLE);
	}

	@Test
	void databaseRefusingConnections() {
		databaseDown(Mode.RESET);
	}

	/**
	 * Requests already in flight when the database stops answering (a read waiting for
	 * its rows, a write waiting for its commit) must not hang either: each is answered,
	 * 503 at worst, within 2 s of the later of its start and the failure, give or take
	 * the {@link #DELIVERY_ALLOWANCE}.
	 */
	@Test
	void requestsInFlightWhenTheDatabaseStopsAnsweringDoNotHang() throws Exception {
		List<long[]> timings = new CopyOnWriteArrayList<>();
		List<Http.Response> answers = new CopyOnWriteArrayList<>();
		AtomicBoolean stop = new AtomicBoolean();
		ExecutorService clients = Executors.newFixedThreadPool(8);
		List<Future<?>> running = new ArrayList<>();
		for (int c = 0; c < 8; c++) {
			boolean writer = c % 2 == 0;
			running.add(clients.submit(() -> {
				while (!stop.get()) {
					long start = System.nanoTime();
					Http.Response response = writer
							? this.http.postJson("/catalog/items", Http.itemJson(sku(), this.category, 4500), EDITOR)
							: this.http.get("/catalog?category=" + this.category + "&limit="
									+ (100 + this.unique.incrementAndGet()));
					timings.add(new long[] { start, System.nanoTime() });
					answers.add(response);
				}
			}));
		}
		LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
		proxy().mode(Mode.BLACK_HOLE);
		long failed = System.nanoTime();
		LockSupport.parkNanos(Duration.ofSeconds(3).toNanos());
		stop.set(true);
		for (Future<?> client : running) {
			client.get(30, TimeUnit.SECONDS);
		}
		clients.shutdownNow();
		proxy().mode(Mode.PASS);

		List<String> slow = new ArrayList<>();
		List<String> wrong = new ArrayList<>();
		Map<Integer, Integer> statuses = new TreeMap<>();
		long inFlight = 0;
		long latest = 0;
		for (int i = 0; i < answers.size(); i++) {
			long[] timing = timings.get(i);
			Http.Response answer = answers.get(i);
			statuses.merge(answer.status(), 1, Integer::sum);
			if (timing[0] < failed && timing[1] > failed) {
				inFlight++;
			}
			long sinceFailureOrStart = (timing[1] - Math.max(timing[0], failed)) / 1_000_000;
			latest = Math.max(latest, sinceFailureOrStart);
			if (timing[1] > failed && sinceFailureOrStart > ANSWER_BOUND.toMillis()) {
				slow.add(sinceFailureOrStart + " ms after " + ((timing[0] < failed) ? "the failure" : "its start")
						+ ": " + answer);
			}
			if (answer.status() != 200 && answer.status() != 201 && answer.status() != 503) {
				wrong.add(answer.toString());
			}
		}
		System.out.printf(
				"Database black-holed under load: %d requests (%d in flight at the failure), statuses %s; "
						+ "latest answer %d ms after the failure or its start; %d later than %d ms, e.g. %s%n",
				answers.size(), inFlight, statuses, latest, slow.size(), ANSWER_BOUND.toMillis(),
				slow.isEmpty() ? "none" : slow.get(0));
		SoftAssertions softly = new SoftAssertions();
		softly.assertThat(inFlight)
			.as("requests in flight when the database stopped answering (what this test is about)")
			.isPositive();
		softly.assertThat(wrong).as("answers other than 200, 201 and 503").isEmpty();
		softly.assertThat(slow)
			.as("requests answered more than %d ms after the failure or their start", ANSWER_BOUND.toMillis())
			.isEmpty();
		softly.assertAll();
	}

	private void databaseDown(Mode mode) {
		String uncachedPage = "/catalog?category=" + this.category + "&limit=7";
		String uncachedItem = "/catalog/items/" + this.ids.get(1);
		long ownItem = this.ids.get(2);
		proxy().mode(mode);
		Map<String, Supplier<Http.Response>> requests = new LinkedHashMap<>();
		requests.put("GET cached page", () -> this.http.get(this.cachedPage));
		requests.put("GET uncached page", () -> this.http.get(uncachedPage));
		requests.put("GET uncached item", () -> this.http.get(uncachedItem));
		requests.put("POST item",
				() -> this.http.postJson("/catalog/items", Http.itemJson(sku(), this.category, 4200), EDITOR));
		requests.put("PUT item", () -> this.http.putJson("/catalog/items/" + ownItem,
				Http.itemJson(this.category + "-3", this.category, 4300), EDITOR));
		requests.put("DELETE item", () -> this.http.delete("/catalog/items/" + ownItem, EDITOR));
		requests.put("PUT favourite", () -> this.http.putJson("/me/favorites/" + ownItem, "", ALICE));
		Map<String, Http.Response> answers = sendAll(requests);
		// And once more, now that the pool has seen the failure.
		Map<String, Http.Response> again = sendAll(requests);

		proxy().mode(Mode.PASS);
		long restored = System.nanoTime();
		AtomicReference<Http.Response> lastRead = new AtomicReference<>();
		AtomicReference<Http.Response> lastWrite = new AtomicReference<>();
		try {
			// Until an uncached read and a write have each succeeded once.
			await("an uncached read and a write succeeding after the database came back").atMost(RECOVERY_BOUND)
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(50))
				.until(() -> {
					if (lastRead.get() == null || lastRead.get().status() != 200) {
						lastRead.set(this.http.get("/catalog?category=" + this.category + "&limit="
								+ (10 + this.unique.incrementAndGet())));
					}
					if (lastWrite.get() == null || lastWrite.get().status() != 201) {
						lastWrite.set(this.http.postJson("/catalog/items", Http.itemJson(sku(), this.category, 4400),
								EDITOR));
					}
					return lastRead.get().status() == 200 && lastWrite.get().status() == 201;
				});
		}
		catch (ConditionTimeoutException ex) {
			// Reported below, with the last answers, next to the answers
			// during the outage.
		}
		Http.Response read = lastRead.get();
		Http.Response write = lastWrite.get();
		long recoveryMillis = (System.nanoTime() - restored) / 1_000_000;
		StringBuilder report = new StringBuilder("Database " + mode + ":");
		answers.forEach((name, answer) -> report.append(String.format("%n  %-18s %s", name, answer)));
		report.append(String.format("%n  again:"));
		again.forEach((name, answer) -> report.append(String.format("%n  %-18s %s", name, answer)));
		report.append(String.format("%n  pool recovered %d ms after the database came back: read %s, write %s",
				recoveryMillis, read, write));
		System.out.println(report);

		SoftAssertions softly = new SoftAssertions();
		for (Map<String, Http.Response> round : List.of(answers, again)) {
			Http.Response cached = round.get("GET cached page");
			softly.assertThat(cached.status()).as("cached page, database %s: %s", mode, cached).isEqualTo(200);
			softly.assertThat(cached.cacheStatus()).as("cached page, database %s", mode).isEqualTo("catalog; hit");
			round.forEach((name, answer) -> {
				if (!name.equals("GET cached page")) {
					assertUnavailable(softly, mode + " " + name, answer);
				}
			});
		}
		softly.assertThat((read != null) ? read.status() : null)
			.as("uncached read after the database came back: %s", read)
			.isEqualTo(200);
		softly.assertThat((write != null) ? write.status() : null)
			.as("write after the database came back: %s", write)
			.isEqualTo(201);
		softly.assertAll();
	}

	/** Sends the requests at once, as clients would; each is timed on its own. */
	private static Map<String, Http.Response> sendAll(Map<String, Supplier<Http.Response>> requests) {
		ExecutorService clients = Executors.newFixedThreadPool(requests.size());
		try {
			Map<String, CompletableFuture<Http.Response>> running = new LinkedHashMap<>();
			requests.forEach((name, request) -> running.put(name, CompletableFuture.supplyAsync(request, clients)));
			Map<String, Http.Response> answers = new LinkedHashMap<>();
			running.forEach((name, answer) -> answers.put(name, answer.join()));
			return answers;
		}
		finally {
			clients.shutdownNow();
		}
	}

	private static void assertUnavailable(SoftAssertions softly, String request, Http.Response response) {
		softly.assertThat(response.status()).as("%s: %s", request, response).isEqualTo(503);
		softly.assertThat(response.header("Content-Type"))
			.as("%s Content-Type", request)
			.startsWith("application/problem+json");
		softly.assertThat(response.header("Retry-After")).as("%s Retry-After", request).isNotBlank();
		softly.assertThat(response.body()).as("%s body", request).contains("\"status\":503");
		softly.assertThat(Duration.ofNanos(response.nanos()))
			.as("%s answered within %d ms", request, ANSWER_BOUND.toMillis())
			.isLessThanOrEqualTo(ANSWER_BOUND);
	}

}
