package com.example.catalog.faults;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.CacheStatusHeader;
import com.example.catalog.ServiceInstances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis stalls or goes away for the writing instance only, while another instance still
 * reaches it: the writer cannot confirm its invalidation, yet no reader on the other
 * instance may see the page from before the write once the write's response has arrived,
 * whatever that response was. The other instance hears of the change from the database's
 * change feed and invalidates it itself.
 */
@FaultTest
class WriterCutOffFromRedisTest {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String run = UUID.randomUUID().toString().substring(0, 8);

	private ServiceInstances instances;

	private FaultProxy proxy;

	private String writer;

	private String reader;

	@BeforeEach
	void startAWriterBehindAProxyAndAReaderWithoutOne() {
		URI redis = LocalServers.redis();
		this.proxy = FaultProxy.to(redis.getHost(), redis.getPort());
		this.instances = new ServiceInstances();
		this.writer = this.instances.start(Map.of("spring.data.redis.url",
				"redis://127.0.0.1:" + this.proxy.port() + "/" + LocalServers.redisDatabase()));
		this.reader = this.instances.start(Map.of());
	}

	@AfterEach
	void stop() {
		this.instances.close();
		this.proxy.close();
	}

	@ParameterizedTest
	@EnumSource(value = FaultProxy.Mode.class, names = { "BLACK_HOLE", "RESET" })
	void noReaderElsewhereSeesThePageFromBeforeTheWriteOnceItsResponseHasArrived(FaultProxy.Mode fault)
			throws Exception {
		String from = "cut-from-" + this.run;
		String to = "cut-to-" + this.run;
		HttpResponse<String> created = send("POST", this.writer + "/catalog/items", item(from, 100));
		assertThat(created.statusCode()).isEqualTo(201);
		long id = json.readTree(created.body()).path("id").asLong();
		String itemPage = "/catalog/items/" + id;
		String fromListing = "/catalog?category=" + from;
		for (String path : new String[] { itemPage, fromListing }) {
			send("GET", this.reader + path, null);
			assertThat(cacheStatus(send("GET", this.reader + path, null))).as(path).isEqualTo("catalog; hit");
		}

		this.proxy.mode(fault);
		HttpResponse<String> moved = send("PUT", this.writer + itemPage, item(to, 200));

		HttpResponse<String> page = send("GET", this.reader + itemPage, null);
		HttpResponse<String> oldListing = send("GET", this.reader + fromListing, null);
		HttpResponse<String> newListing = send("GET", this.reader + "/catalog?category=" + to, null);
		assertThat(moved.statusCode()).as("the writer's answer: %s", moved.body()).isIn(200, 503);
		if (moved.statusCode() == 503) {
			JsonNode problem = json.readTree(moved.body());
			assertThat(problem.path("saved").asBoolean()).isTrue();
			assertThat(moved.headers().firstValue("Retry-After")).isPresent();
		}
		assertThat(json.readTree(page.body()).path("priceCents").asLong()).as(cacheStatus(page)).isEqualTo(200);
		assertThat(json.readTree(oldListing.body()).path("items")).as(cacheStatus(oldListing)).isEmpty();
		assertThat(json.readTree(newListing.body()).path("items")).as(cacheStatus(newListing)).hasSize(1);

		this.proxy.mode(FaultProxy.Mode.PASS);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			HttpResponse<String> retried = send("PUT", this.writer + itemPage, item(to, 200));
			assertThat(retried.statusCode()).as("a repeated PUT, once Redis is back").isEqualTo(200);
		});
		HttpResponse<String> writersPage = send("GET", this.writer + itemPage, null);
		assertThat(json.readTree(writersPage.body()).path("priceCents").asLong()).isEqualTo(200);
	}

	private String item(String category, long priceCents) {
		return "{\"sku\":\"CUT-" + this.run + "\",\"name\":\"Cut off\",\"description\":\"\",\"category\":\"" + category
				+ "\",\"priceCents\":" + priceCents + "}";
	}

	private static String cacheStatus(HttpResponse<String> response) {
		return CacheStatusHeader.withoutTtlAndKey(response.headers().firstValue("Cache-Status").orElse(""));
	}

	private HttpResponse<String> send(String method, String url, String body) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
		if (body != null) {
			request.header("Content-Type", "application/json")
				.header("Authorization",
						"Basic " + Base64.getEncoder().encodeToString("editor:editor-secret".getBytes()))
				.method(method, HttpRequest.BodyPublishers.ofString(body));
		}
		else {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
