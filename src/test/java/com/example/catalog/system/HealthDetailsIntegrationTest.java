package com.example.catalog.system;

import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.contributor.Status;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator/health} tells everyone the status, and only an authenticated operator
 * ({@code OPS} or {@code EDITOR}) the details: disk path, Redis, the circuit breaker.
 */
@IntegrationTest
class HealthDetailsIntegrationTest {

	@Autowired
	WebTestClient client;

	@Autowired
	HttpCodeStatusMapper statusCodes;

	/**
	 * Probes and load balancers read the HTTP status: an instance that is down or not
	 * ready yet must not answer 200 (naming any mapping replaces Spring Boot's defaults).
	 */
	@Test
	void onlyAnInstanceThatIsUpOrDegradedAnswersItsHealthWith200() {
		assertThat(this.statusCodes.getStatusCode(Status.UP)).isEqualTo(200);
		assertThat(this.statusCodes.getStatusCode(new Status("DEGRADED"))).isEqualTo(200);
		assertThat(this.statusCodes.getStatusCode(Status.DOWN)).isEqualTo(503);
		assertThat(this.statusCodes.getStatusCode(Status.OUT_OF_SERVICE)).isEqualTo(503);
	}

	@Test
	void anonymousCallersAndProbesGetTheStatusOnly() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components")
			.doesNotExist()
			.jsonPath("$.details")
			.doesNotExist();
		this.client.get()
			.uri("/actuator/health/readiness")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components")
			.doesNotExist();
	}

	@Test
	void anAccountThatIsNoOperatorGetsTheStatusOnly() {
		this.client.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP")
			.jsonPath("$.components")
			.doesNotExist();
	}

	@Test
	void operatorsGetTheDetails() {
		for (String operator : new String[] { "ops", "editor" }) {
			this.client.get()
				.uri("/actuator/health")
				.headers((headers) -> headers.setBasicAuth(operator, operator + "-secret"))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.components.cache.details.circuitBreaker")
				.exists()
				.jsonPath("$.components.diskSpace.details.path")
				.exists();
		}
	}

	@Test
	void wrongCredentialsAreRefusedNotAnsweredAsAnonymous() {
		this.client.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBasicAuth("ops", "not-the-secret"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

}
