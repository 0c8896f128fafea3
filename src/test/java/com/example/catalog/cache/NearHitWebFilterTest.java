package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebFilterChain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

class NearHitWebFilterTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	private static final byte[] BODY = "{\"items\":[]}".getBytes(StandardCharsets.UTF_8);

	private final ResponseCache cache = mock(ResponseCache.class);

	private final AtomicInteger keysBuilt = new AtomicInteger();

	private final AtomicInteger chainCalls = new AtomicInteger();

	private final WebFilterChain chain = (exchange) -> {
		this.chainCalls.incrementAndGet();
		return Mono.empty();
	};

	private NearHitWebFilter filter;

	@BeforeEach
	void routes() {
		given(this.cache.httpCaching()).willReturn(new HttpCaching(Duration.ZERO));
		CacheableRoute page = new CacheableRoute("/catalog", (request, variables) -> {
			this.keysBuilt.incrementAndGet();
			if (request.getQueryParams().containsKey("limit")
					&& !request.getQueryParams().getFirst("limit").matches("[0-9]+")) {
				throw new ResponseStatusException(HttpStatus.BAD_REQUEST);
			}
			return CacheKey.forPublicRoute("catalog").with("limit", request.getQueryParams().getFirst("limit")).build();
		});
		CacheableRoute item = new CacheableRoute("/catalog/items/{id}",
				(request, variables) -> CacheKey.forPublicRoute("item").with("id", variables.get("id")).build());
		this.filter = new NearHitWebFilter(this.cache, List.of(page, item));
	}

	private void holding(boolean held) {
		CachedResponse hit = new CachedResponse(ByteBuffer.wrap(BODY), "etag1", CacheOutcome.HIT, CacheScope.PUBLIC);
		given(this.cache.nearHit(any(), any())).willReturn(held ? Mono.just(hit) : Mono.empty());
	}

	private MockServerWebExchange run(MockServerHttpRequest.BaseBuilder<?> request) {
		MockServerWebExchange exchange = MockServerWebExchange.from(request);
		StepVerifier.create(this.filter.filter(exchange, this.chain)).expectComplete().verify(TIMEOUT);
		return exchange;
	}

	@Test
	void aHeldResponseIsWrittenWithoutTheChain() {
		holding(true);
		MockServerWebExchange exchange = run(MockServerHttpRequest.get("/catalog?limit=5"));
		assertThat(this.chainCalls).hasValue(0);
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.OK);
		HttpHeaders headers = exchange.getResponse().getHeaders();
		assertThat(headers.getFirst("Cache-Status")).isEqualTo("catalog; hit");
		assertThat(headers.getETag()).isEqualTo("\"etag1\"");
		assertThat(headers.getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
		assertThat(headers.getFirst("X-Frame-Options")).isEqualTo("DENY");
		assertThat(headers.getContentLength()).isEqualTo(BODY.length);
		StepVerifier.create(exchange.getResponse().getBodyAsString())
			.expectNext(new String(BODY, StandardCharsets.UTF_8))
			.expectComplete()
			.verify(TIMEOUT);
	}

	@Test
	void aConditionalRequestForTheHeldVersionIsNotModified() {
		holding(true);
		MockServerWebExchange exchange = run(MockServerHttpRequest.get("/catalog").ifNoneMatch("\"etag1\""));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.NOT_MODIFIED);
		assertThat(this.chainCalls).hasValue(0);
	}

	@Test
	void aResponseThisInstanceDoesNotHoldGoesDownTheChain() {
		holding(false);
		run(MockServerHttpRequest.get("/catalog/items/7"));
		assertThat(this.chainCalls).hasValue(1);
		verify(this.cache).nearHit(any(), any());
	}

	@Test
	void requestsWithCredentialsGoDownTheChainUntouched() {
		holding(true);
		run(MockServerHttpRequest.get("/catalog").header(HttpHeaders.AUTHORIZATION, "Basic eDp5"));
		assertThat(this.chainCalls).hasValue(1);
		verify(this.cache, never()).nearHit(any(), any());
	}

	@Test
	void otherMethodsPathsAndSpellingsGoDownTheChainUntouched() {
		holding(true);
		run(MockServerHttpRequest.head("/catalog"));
		run(MockServerHttpRequest.post("/catalog"));
		run(MockServerHttpRequest.get("/catalog/"));
		run(MockServerHttpRequest.get("/catalog/items/7;x=1"));
		run(MockServerHttpRequest.get("/catalog/items/%37"));
		run(MockServerHttpRequest.get("//catalog"));
		run(MockServerHttpRequest.get("/catalog/items/../items/7"));
		run(MockServerHttpRequest.get("/me/favorites"));
		assertThat(this.chainCalls).hasValue(8);
		verify(this.cache, never()).nearHit(any(), any());
	}

	@Test
	void aRequestTheHandlerRejectsGoesDownTheChainForItsProblem() {
		holding(true);
		run(MockServerHttpRequest.get("/catalog?limit=abc"));
		assertThat(this.chainCalls).hasValue(1);
		verify(this.cache, never()).nearHit(any(), any());
	}

	@Test
	void keysAreBuiltOncePerPathAndQuery() {
		holding(true);
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		run(MockServerHttpRequest.get("/catalog?limit=5"));
		run(MockServerHttpRequest.get("/catalog?limit=6"));
		assertThat(this.keysBuilt).hasValue(2);
		verify(this.cache, times(3)).nearHit(any(), any());
	}

}
