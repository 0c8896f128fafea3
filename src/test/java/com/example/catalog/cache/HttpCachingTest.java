package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

class HttpCachingTest {

	private static final byte[] BODY = "{\"items\":[]}".getBytes(StandardCharsets.UTF_8);

	private static final String ETAG = CacheEntry.etagOf(BODY);

	private final HttpCaching httpCaching = new HttpCaching(Duration.ZERO);

	private static CachedResponse response(CacheOutcome outcome, CacheScope scope) {
		return new CachedResponse(ByteBuffer.wrap(BODY), ETAG, outcome, scope);
	}

	private ResponseEntity<ByteBuffer> render(CachedResponse response, String... ifNoneMatch) {
		HttpHeaders headers = new HttpHeaders();
		for (String value : ifNoneMatch) {
			headers.add(HttpHeaders.IF_NONE_MATCH, value);
		}
		return this.httpCaching.render(response, headers);
	}

	@Test
	void okCarriesAStrongEtagAndTheBody() {
		ResponseEntity<ByteBuffer> entity = render(response(CacheOutcome.HIT, CacheScope.PUBLIC));
		assertThat(entity.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(entity.getHeaders().getETag()).isEqualTo('"' + ETAG + '"');
		assertThat(entity.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
		assertThat(bytes(entity.getBody())).isEqualTo(BODY);
	}

	@Test
	void renderingTwiceServesTheWholeBodyBothTimes() {
		CachedResponse response = response(CacheOutcome.HIT, CacheScope.PUBLIC);
		ByteBuffer first = render(response).getBody();
		first.position(first.limit());
		assertThat(bytes(render(response).getBody())).isEqualTo(BODY);
	}

	@Test
	void publicResponsesArePublicAndMustBeRevalidated() {
		ResponseEntity<ByteBuffer> entity = render(response(CacheOutcome.MISS_STORED, CacheScope.PUBLIC));
		assertThat(directives(entity)).contains("public", "max-age=0", "must-revalidate").doesNotContain("private");
		assertThat(entity.getHeaders().getVary()).containsExactly(HttpHeaders.ACCEPT_ENCODING);
	}

	@Test
	void publicMaxAgeComesFromConfiguration() {
		ResponseEntity<ByteBuffer> entity = new HttpCaching(Duration.ofSeconds(30))
			.render(response(CacheOutcome.HIT, CacheScope.PUBLIC), new HttpHeaders());
		assertThat(directives(entity)).contains("public", "max-age=30", "must-revalidate");
	}

	@Test
	void principalResponsesArePrivateAndVaryByAuthorization() {
		ResponseEntity<ByteBuffer> entity = new HttpCaching(Duration.ofSeconds(30))
			.render(response(CacheOutcome.HIT, CacheScope.PRINCIPAL), new HttpHeaders());
		assertThat(directives(entity)).contains("private", "max-age=0", "must-revalidate").doesNotContain("public");
		assertThat(entity.getHeaders().getVary()).containsExactly(HttpHeaders.AUTHORIZATION,
				HttpHeaders.ACCEPT_ENCODING);
	}

	@Test
	void cacheStatusNamesTheCatalogCacheForEveryOutcome() {
		assertThat(cacheStatus(CacheOutcome.HIT)).isEqualTo("catalog; hit");
		assertThat(cacheStatus(CacheOutcome.MISS_STORED)).isEqualTo("catalog; fwd=miss; stored");
		assertThat(cacheStatus(CacheOutcome.MISS_NOT_STORED)).isEqualTo("catalog; fwd=miss");
		assertThat(cacheStatus(CacheOutcome.MISS_COLLAPSED)).isEqualTo("catalog; fwd=miss; collapsed");
		assertThat(cacheStatus(CacheOutcome.BYPASS_DISABLED)).isEqualTo("catalog; fwd=bypass; detail=disabled");
		assertThat(cacheStatus(CacheOutcome.BYPASS_UNAVAILABLE)).isEqualTo("catalog; fwd=bypass; detail=unavailable");
	}

	@Test
	void ifNoneMatchWithTheCurrentTagIsNotModifiedWithoutABody() {
		assertNotModified(render(response(CacheOutcome.HIT, CacheScope.PUBLIC), '"' + ETAG + '"'));
	}

	@Test
	void ifNoneMatchWithAListOfTagsContainingTheCurrentOneIsNotModified() {
		assertNotModified(render(response(CacheOutcome.HIT, CacheScope.PUBLIC), "\"other\", \"" + ETAG + "\""));
		assertNotModified(render(response(CacheOutcome.HIT, CacheScope.PUBLIC), "\"other\"", '"' + ETAG + '"'));
	}

	@Test
	void ifNoneMatchWithAWeakTagOfTheCurrentOneIsNotModified() {
		assertNotModified(render(response(CacheOutcome.HIT, CacheScope.PUBLIC), "W/\"" + ETAG + '"'));
	}

	@Test
	void ifNoneMatchStarIsNotModified() {
		assertNotModified(render(response(CacheOutcome.MISS_STORED, CacheScope.PUBLIC), "*"));
	}

	@Test
	void notModifiedKeepsTheValidatorsAndCachingHeaders() {
		ResponseEntity<ByteBuffer> entity = render(response(CacheOutcome.HIT, CacheScope.PRINCIPAL), '"' + ETAG + '"');
		assertNotModified(entity);
		assertThat(entity.getHeaders().getETag()).isEqualTo('"' + ETAG + '"');
		assertThat(directives(entity)).contains("private");
		assertThat(entity.getHeaders().getVary()).containsExactly(HttpHeaders.AUTHORIZATION,
				HttpHeaders.ACCEPT_ENCODING);
		assertThat(entity.getHeaders().getFirst(HttpCaching.CACHE_STATUS)).isEqualTo("catalog; hit");
	}

	@Test
	void ifNoneMatchWithOtherTagsIsOk() {
		ResponseEntity<ByteBuffer> entity = render(response(CacheOutcome.HIT, CacheScope.PUBLIC), "\"other\"",
				"W/\"another\"");
		assertThat(entity.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(bytes(entity.getBody())).isEqualTo(BODY);
	}

	/**
	 * A malformed conditional header is ignored (RFC 9110 lets a server do so); it must
	 * never fail the request, which the error handler would turn into a 500.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "unquoted", "", "\"unterminated", "W/" })
	void malformedIfNoneMatchIsIgnored(String value) {
		ResponseEntity<ByteBuffer> entity = render(response(CacheOutcome.HIT, CacheScope.PUBLIC), value);
		assertThat(entity.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(bytes(entity.getBody())).isEqualTo(BODY);
	}

	@Test
	void theCurrentTagUnquotedIsNotAMatch() {
		ResponseEntity<ByteBuffer> entity = render(response(CacheOutcome.HIT, CacheScope.PUBLIC), ETAG);
		assertThat(entity.getStatusCode()).isEqualTo(HttpStatus.OK);
	}

	private String cacheStatus(CacheOutcome outcome) {
		return render(response(outcome, CacheScope.PUBLIC)).getHeaders().getFirst(HttpCaching.CACHE_STATUS);
	}

	private static void assertNotModified(ResponseEntity<ByteBuffer> entity) {
		assertThat(entity.getStatusCode()).isEqualTo(HttpStatus.NOT_MODIFIED);
		assertThat(entity.getBody()).isNull();
		assertThat(entity.getHeaders().getETag()).isEqualTo('"' + ETAG + '"');
	}

	private static java.util.List<String> directives(ResponseEntity<?> entity) {
		return java.util.Arrays.stream(entity.getHeaders().getCacheControl().split(",")).map(String::trim).toList();
	}

	private static byte[] bytes(ByteBuffer buffer) {
		ByteBuffer view = buffer.duplicate();
		byte[] bytes = new byte[view.remaining()];
		view.get(bytes);
		return bytes;
	}

}
