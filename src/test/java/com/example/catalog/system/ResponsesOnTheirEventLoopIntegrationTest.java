package com.example.catalog.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.Editor;
import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses on one keep-alive connection, one after the other as a client sends them:
 * Reactor Netty never has to hold the next request back behind the previous exchange. It
 * says when it does, in a debug message of its own, which this test listens to. (What
 * keeps it so is {@code cache.ResponsesOnTheirEventLoop}; this is the whole service's
 * behaviour on a connection, so it is tested here, end to end.)
 */
@IntegrationTest
class ResponsesOnTheirEventLoopIntegrationTest {

	private static final String HELD_BACK = "previous ops not yet terminated";

	@Autowired
	WebTestClient client;

	@LocalServerPort
	int port;

	final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	final Logger serverLog = (Logger) LoggerFactory.getLogger("reactor.netty.http.server.HttpServerOperations");

	final ListAppender<ILoggingEvent> serverEvents = new ListAppender<>();

	Level serverLogLevel;

	String category;

	@BeforeEach
	void listenToReactorNettysServerLog() {
		this.category = "loop-" + UUID.randomUUID().toString().substring(0, 8);
		Editor.createItemId(this.client, this.category + "-1", "Loop " + this.category, this.category, 100);
		this.serverLogLevel = this.serverLog.getLevel();
		this.serverEvents.start();
		this.serverLog.addAppender(this.serverEvents);
		this.serverLog.setAdditive(false);
		this.serverLog.setLevel(Level.DEBUG);
	}

	@AfterEach
	void restoreReactorNettysServerLog() {
		this.serverLog.setLevel(this.serverLogLevel);
		this.serverLog.setAdditive(true);
		this.serverLog.detachAppender(this.serverEvents);
	}

	@Test
	void backToBackHitsAreNeverHeldBack() throws IOException, InterruptedException {
		String page = "/catalog?category=" + this.category + "&limit=3";
		assertThat(cacheStatus(page)).isEqualTo("catalog; fwd=miss; stored");
		List<String> statuses = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			statuses.add(cacheStatus(page));
		}
		// Other application contexts of the test run share Redis and the database: a
		// change feed of theirs that reconnects invalidates everything (once seen in CI
		// during this loop), and the next request loads again.
		assertThat(statuses)
			.allMatch((status) -> status.equals("catalog; hit") || status.equals("catalog; fwd=miss; stored"));
		assertThat(statuses).filteredOn("catalog; hit"::equals).hasSizeGreaterThanOrEqualTo(195);
		assertNoRequestHeldBack(201);
	}

	@Test
	void backToBackMissesAreNeverHeldBack() throws IOException, InterruptedException {
		for (int limit = 1; limit <= 100; limit++) {
			assertThat(cacheStatus("/catalog?category=" + this.category + "&limit=" + limit))
				.isEqualTo("catalog; fwd=miss; stored");
		}
		assertNoRequestHeldBack(100);
	}

	private String cacheStatus(String pathAndQuery) throws IOException, InterruptedException {
		HttpResponse<byte[]> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + pathAndQuery)).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		return CacheStatusHeader.withoutTtlAndKey(response.headers().firstValue("Cache-Status").orElseThrow());
	}

	private void assertNoRequestHeldBack(int requests) {
		// Event loops may still be logging the end of the last exchange: read a copy,
		// taken under the lock Logback appends under.
		List<ILoggingEvent> events;
		synchronized (this.serverEvents) {
			events = new ArrayList<>(this.serverEvents.list);
		}
		assertThat(events).as("Reactor Netty's debug messages, so its log was listened to")
			.filteredOn((event) -> event.getFormattedMessage().contains("Increasing pending responses count"))
			.hasSizeGreaterThanOrEqualTo(requests);
		assertThat(events).as("requests held back behind the previous exchange")
			.filteredOn((event) -> event.getFormattedMessage().contains(HELD_BACK))
			.isEmpty();
	}

}
