package com.example.catalog.faults;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import com.example.catalog.IntegrationTest;
import com.example.catalog.TestServers;
import com.example.catalog.faults.FaultProxy.Mode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application with its R2DBC connections going through a {@link FaultProxy} to
 * PostgreSQL; Flyway connects directly, so that migrations run at start-up. Each test
 * starts with a cached page of a category of its own.
 * <p>
 * Each test class gets a proxy of its own, started before its application context and
 * named through system properties: the R2DBC URL is read while the environment is
 * prepared (to derive Flyway's settings), before a {@code DynamicPropertySource} would be
 * consulted. Started in {@code @BeforeAll} rather than a static initializer, so that a
 * rerun of a failed test (surefire's {@code rerunFailingTestsCount}) gets a live proxy
 * and a context that uses it.
 */
@IntegrationTest
@TestPropertySource(properties = { "spring.r2dbc.url=${faults.database.r2dbc-proxy-url}",
		"spring.r2dbc.username=${faults.database.username}", "spring.r2dbc.password=${faults.database.password}",
		"spring.flyway.url=${faults.database.flyway-url}", "spring.flyway.user=${faults.database.username}",
		"spring.flyway.password=${faults.database.password}", TestServers.NO_POSTGRES_CONTAINER + "=true" })
@DirtiesContext
abstract class DatabaseFaultsSupport {

	static final Duration FAIL_FAST = Duration.ofSeconds(2);

	/**
	 * How much later than {@link #FAIL_FAST} the client may see a 503: the service gives
	 * up on the database 2 s after a load or write started (load-timeout,
	 * {@code Writes.TIMEOUT}), and a load that began just before the database stopped
	 * answering gives up just after 2 s from the failure; rendering the problem and the
	 * loopback take a few milliseconds more, tens on 2 busy cores.
	 */
	static final Duration DELIVERY_ALLOWANCE = Duration.ofMillis(250);

	static final Duration ANSWER_BOUND = FAIL_FAST.plus(DELIVERY_ALLOWANCE);

	private static FaultProxy proxy;

	static final String[] EDITOR = Http.basic("editor", "editor-secret");

	static final String[] ALICE = Http.basic("alice", "alice-secret");

	final AtomicInteger unique = new AtomicInteger();

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	Http http;

	String category;

	List<Long> ids;

	String cachedPage;

	@BeforeAll
	static void startProxy() {
		URI postgres = LocalServers.postgres();
		proxy = FaultProxy.to(postgres.getHost(), postgres.getPort());
		System.setProperty("faults.database.r2dbc-proxy-url",
				LocalServers.r2dbcUrl("127.0.0.1", proxy.port(), LocalServers.postgresDatabase()));
		System.setProperty("faults.database.flyway-url", LocalServers.jdbcUrl(LocalServers.postgresDatabase()));
		System.setProperty("faults.database.username", LocalServers.postgresUsername());
		System.setProperty("faults.database.password", LocalServers.postgresPassword());
	}

	@AfterAll
	static void closeProxy() {
		proxy.close();
		proxy = null;
	}

	static FaultProxy proxy() {
		return proxy;
	}

	@BeforeEach
	void aCachedPage() {
		assertThat(this.environment.getProperty("spring.r2dbc.url")).contains(":" + proxy().port() + "/");
		proxy().mode(Mode.PASS);
		this.http = new Http(this.port);
		this.category = "db-faults-" + UUID.randomUUID().toString().substring(0, 8);
		this.ids = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			Http.Response created = this.http.postJson("/catalog/items",
					Http.itemJson(this.category + "-" + i, this.category, 1000), EDITOR);
			assertThat(created.status()).as("%s", created).isEqualTo(201);
			this.ids.add(created.id());
		}
		this.cachedPage = "/catalog?category=" + this.category;
		Http.Response first = this.http.get(this.cachedPage);
		assertThat(first.status()).as("%s", first).isEqualTo(200);
		assertThat(this.http.get(this.cachedPage).cacheStatus()).isEqualTo("catalog; hit");
	}

	@AfterEach
	void databaseBack() {
		proxy().mode(Mode.PASS);
	}

	String sku() {
		return this.category + "-w" + this.unique.incrementAndGet();
	}

}
