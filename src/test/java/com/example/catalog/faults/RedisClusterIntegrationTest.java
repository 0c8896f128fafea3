package com.example.catalog.faults;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;
import com.example.catalog.TestServers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cache on a real Redis Cluster of three masters, configured by
 * {@code spring.data.redis.cluster.nodes} alone: the standalone
 * {@code spring.data.redis.url} stays set (as {@code application.yaml} sets one), and
 * Spring Boot prefers the cluster configuration to it (an empty URL would not do: Boot
 * rejects it). Checked: hits and misses, invalidation by a write (the shared generation
 * counters share one hash slot; each principal's has one of its own), favourites per
 * principal, value keys spread over the masters, and nothing written to the standalone
 * server.
 */
@FaultTest
@IntegrationTest
@TestPropertySource(properties = { "spring.data.redis.cluster.nodes=${faults.redis-cluster-nodes}",
		TestServers.NO_REDIS_CONTAINER + "=true" })
@DirtiesContext
class RedisClusterIntegrationTest {

	private static final String[] EDITOR = Http.basic("editor", "editor-secret");

	private static final String[] ALICE = Http.basic("alice", "alice-secret");

	private static final String[] BOB = Http.basic("bob", "bob-secret");

	private static final String HIT = "catalog; hit";

	private static final String STORED = "catalog; fwd=miss; stored";

	private static RedisCluster cluster;

	@LocalServerPort
	int port;

	@Autowired
	Environment environment;

	@Autowired
	RedisConnectionFactory connectionFactory;

	@DynamicPropertySource
	static void clusterNodes(DynamicPropertyRegistry registry) {
		registry.add("faults.redis-cluster-nodes", () -> cluster().nodes());
	}

	static synchronized RedisCluster cluster() {
		if (cluster == null) {
			cluster = RedisCluster.start(3);
		}
		return cluster;
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
			// A rerun of a failed test (surefire) starts a context of its own.
			cluster = null;
		}
	}

	@Test
	void cachesOnAThreeMasterClusterByConfigurationAlone() {
		assertThat(this.connectionFactory).isInstanceOf(LettuceConnectionFactory.class);
		assertThat(((LettuceConnectionFactory) this.connectionFactory).isClusterAware())
			.as("the connection factory is in cluster mode")
			.isTrue();
		Http http = new Http(this.port);
		String category = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
		List<Long> ids = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			Http.Response created = http.postJson("/catalog/items",
					Http.itemJson(category + "-" + i, category, 100L * i), EDITOR);
			assertThat(created.status()).as("%s", created).isEqualTo(201);
			ids.add(created.id());
		}
		// The shared connection is opened in the background after start-up (discovering a
		// cluster's topology takes a moment): wait for it, bounded.
		await("health on the cluster showing Redis UP").atMost(Duration.ofSeconds(15))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> assertThat(http.get("/actuator/health", Http.basic("ops", "ops-secret")).body())
				.contains("\"redis\":\"UP\""));

		// miss, then hit
		String page = "/catalog?category=" + category;
		assertThat(http.get(page).cacheStatus()).isEqualTo(STORED);
		assertThat(http.get(page).cacheStatus()).isEqualTo(HIT);
		String item = "/catalog/items/" + ids.get(0);
		assertThat(http.get(item).cacheStatus()).isEqualTo(STORED);
		assertThat(http.get(item).cacheStatus()).isEqualTo(HIT);

		// a write invalidates the pages it can change, and only those
		Http.Response created = http.postJson("/catalog/items", Http.itemJson(category + "-new", category, 4242),
				EDITOR);
		assertThat(created.status()).isEqualTo(201);
		Http.Response afterWrite = http.get(page);
		assertThat(afterWrite.cacheStatus()).isEqualTo(STORED);
		assertThat(afterWrite.body()).contains(category + "-new");
		assertThat(http.get(item).cacheStatus()).as("another item's page").isEqualTo(HIT);
		assertThat(http.get(page).cacheStatus()).isEqualTo(HIT);

		// favourites per principal
		assertThat(http.putJson("/me/favorites/" + ids.get(0), "", ALICE).status()).isEqualTo(204);
		Http.Response alice = http.get("/me/favorites", ALICE);
		assertThat(alice.cacheStatus()).isEqualTo(STORED);
		assertThat(alice.body()).contains(category + "-1");
		assertThat(http.get("/me/favorites", ALICE).cacheStatus()).isEqualTo(HIT);
		assertThat(http.get("/me/favorites", BOB).cacheStatus()).isEqualTo(STORED);
		assertThat(http.get("/me/favorites", BOB).cacheStatus()).isEqualTo(HIT);
		assertThat(http.putJson("/me/favorites/" + ids.get(1), "", ALICE).status()).isEqualTo(204);
		Http.Response aliceAgain = http.get("/me/favorites", ALICE);
		assertThat(aliceAgain.cacheStatus()).isEqualTo(STORED);
		assertThat(aliceAgain.body()).contains(category + "-1").contains(category + "-2");
		assertThat(http.get("/me/favorites", BOB).cacheStatus()).as("bob's page after a change to alice's favourites")
			.isEqualTo(HIT);
		assertThat(http.get("/me/favorites", BOB).body()).doesNotContain(category);

		// value keys spread over the masters; shared generation counters in one slot,
		// each principal's in another
		for (int limit = 1; limit <= 12; limit++) {
			Http.Response response = http.get(page + "&limit=" + limit);
			assertThat(response.status()).isEqualTo(200);
		}
		String prefix = this.environment.getRequiredProperty("catalog.cache.key-prefix");
		Map<Integer, Integer> valueKeysByNode = new LinkedHashMap<>();
		Set<Long> generationSlots = new HashSet<>();
		Set<Long> principalSlots = new HashSet<>();
		int generationKeys = 0;
		for (int node : cluster().ports()) {
			try (RespClient client = new RespClient("127.0.0.1", node)) {
				valueKeysByNode.put(node, client.scan(prefix + ":resp:*").size());
				for (String key : client.scan(prefix + ":gen:*")) {
					generationKeys++;
					(key.contains(":principal:") ? principalSlots : generationSlots)
						.add((Long) client.call("CLUSTER", "KEYSLOT", key));
				}
			}
		}
		System.out.printf("Redis Cluster on %s: value keys by node %s; %d generation counters in slots %s%n",
				cluster().nodes(), valueKeysByNode, generationKeys, generationSlots);
		assertThat(valueKeysByNode.values().stream().filter((count) -> count > 0).count())
			.as("masters holding value keys: %s", valueKeysByNode)
			.isGreaterThanOrEqualTo(2);
		assertThat(generationKeys).as("generation counters: the catalog's, alice's and bob's")
			.isGreaterThanOrEqualTo(3);
		assertThat(generationSlots).as("hash slots of the shared generation counters").hasSize(1);
		assertThat(principalSlots).as("hash slots of alice's and bob's counters")
			.hasSize(2)
			.doesNotContainAnyElementsOf(generationSlots);
		URI standalone = LocalServers.redis();
		try (RespClient client = new RespClient(standalone.getHost(), standalone.getPort())) {
			client.call("SELECT", String.valueOf(LocalServers.redisDatabase()));
			assertThat(client.scan(prefix + ":*")).as("keys on the standalone server named by the URL").isEmpty();
		}
	}

}
