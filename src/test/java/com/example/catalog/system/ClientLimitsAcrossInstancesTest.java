package com.example.catalog.system;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.example.catalog.ServiceInstances;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's bucket is one for all instances, not one per instance: two instances share
 * Redis and PostgreSQL, each client's bucket holds {@value #BURST} tokens and refills one
 * every 20 s (slow enough that no token comes back while a test runs), so whatever
 * instance a client's misses reach, about {@value #BURST} of them are loaded, not twice
 * as many.
 */
class ClientLimitsAcrossInstancesTest {

	private static final int BURST = 3;

	private static final ServiceInstances instances = new ServiceInstances();

	private static List<String> bases;

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@BeforeAll
	static void startTwoInstances() {
		Map<String, Object> settings = Map.of("catalog.limits.loads-per-second", "0.05", "catalog.limits.burst", BURST,
				"server.forward-headers-strategy", "framework",
				// Generous, as in IntegrationTest: a Redis answer slowed down by a
				// loaded machine would have an instance take a token from a bucket of
				// its own instead.
				"catalog.cache.redis-timeout", "2s");
		instances.start(settings);
		instances.start(settings);
		bases = instances.baseUrls();
	}

	@AfterAll
	static void stopInstances() {
		instances.close();
	}

	@Test
	void aClientThatSpentItsBurstOnOneInstanceIsRefusedByTheOther() throws Exception {
		String address = newAddress();
		String category = newCategory();
		for (int i = 0; i < BURST; i++) {
			assertThat(page(bases.get(0), address, category, i).statusCode()).as("miss %d on instance 1", i)
				.isEqualTo(200);
		}
		HttpResponse<String> refused = page(bases.get(1), address, category, BURST);
		assertThat(refused.statusCode()).as("the next miss, on instance 2").isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.headers().firstValue("Retry-After"))
			.hasValueSatisfying((seconds) -> assertThat(Integer.parseInt(seconds)).isBetween(1, 20));
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"loads\";q=3;w=60");
		assertThat(refused.headers().firstValue("RateLimit"))
			.hasValueSatisfying((value) -> assertThat(value).matches("\"loads\";r=0;t=([1-9]|1[0-9]|20)"));
	}

	@Test
	void aClientAlternatingBetweenInstancesIsAdmittedOneBurstNotTwo() throws Exception {
		String address = newAddress();
		String category = newCategory();
		List<Integer> statuses = new ArrayList<>();
		for (int i = 0; i < 2 * BURST; i++) {
			statuses.add(page(bases.get(i % 2), address, category, i).statusCode());
		}
		assertThat(statuses).as("statuses of %d misses, alternately on instance 1 and 2", 2 * BURST)
			.containsExactly(200, 200, 200, 429, 429, 429);
	}

	/** A miss each time: the page size makes each variant a page of its own. */
	private HttpResponse<String> page(String base, String address, String category, int variant) throws Exception {
		HttpRequest request = HttpRequest
			.newBuilder(URI.create(base + "/catalog?category=" + category + "&limit=" + (variant + 1)))
			.header("X-Forwarded-For", address)
			.timeout(Duration.ofSeconds(10))
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	private static String newCategory() {
		return "shared-limits-" + UUID.randomUUID().toString().substring(0, 8);
	}

	/** A client of its own, by the address a trusted proxy says it came from. */
	private static String newAddress() {
		UUID random = UUID.randomUUID();
		return "10." + Math.floorMod(random.getMostSignificantBits(), 250) + "."
				+ Math.floorMod(random.getLeastSignificantBits(), 250) + "."
				+ (1 + Math.floorMod(random.hashCode(), 250));
	}

}
