package com.example.catalog.faults;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import com.example.catalog.faults.FaultProxy.Mode;

import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With PostgreSQL unreachable, what the cache still holds is served: a copy past its TTL
 * but within stale-if-error is answered 200 and marked stale, rather than with a 503. The
 * TTL is short here (a context of its own), so that a copy can outlive it within the
 * test.
 */
@FaultTest
@TestPropertySource(properties = { "catalog.cache.ttl=4s", "catalog.cache.refresh-ahead=1s" })
class DatabaseStaleCopyIntegrationTest extends DatabaseFaultsSupport {

	/**
	 * A copy past its TTL is what the cache still holds (within stale-if-error); with the
	 * database down it is served, marked stale, rather than a 503.
	 */
	@Test
	void expiredCopyIsServedStaleWhileTheDatabaseIsDown() {
		String item = "/catalog/items/" + this.ids.get(0);
		assertThat(this.http.get(item).status()).isEqualTo(200);
		assertThat(this.http.get(item).cacheStatus()).isEqualTo("catalog; hit");
		// Past the TTL (4 s) and its jitter (10%):
		// waiting for time to pass, not for an event.
		LockSupport.parkNanos(Duration.ofMillis(4600).toNanos());
		proxy().mode(Mode.BLACK_HOLE);
		Http.Response stale = this.http.get(this.cachedPage);
		Http.Response staleItem = this.http.get(item);
		System.out.printf("Expired copies with the database black-holed: %s; %s%n", stale, staleItem);
		SoftAssertions softly = new SoftAssertions();
		for (Http.Response response : List.of(stale, staleItem)) {
			softly.assertThat(response.status()).as("expired copy, database down: %s", response).isEqualTo(200);
			softly.assertThat(String.valueOf(response.cacheStatus()))
				.as("Cache-Status of an expired copy served while the database is down")
				.contains("detail=stale");
		}
		softly.assertAll();
	}

}
