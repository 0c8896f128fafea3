package com.example.catalog.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;

/**
 * The CPU side of a cache hit for {@code GET /catalog?category=cat-3&limit=200} (about 60
 * KB of JSON in the bench data's shape). Redis keeps the body gzip-compressed
 * ({@link CacheEntry#compressed}); each instance keeps the JSON and the gzip bytes in its
 * near cache ({@link NearEntry}). Measured: rendering a near-cache hit (plain, gzip,
 * 304), turning the bytes read from Redis into a near entry (header decode, then decode
 * and gunzip), the whole CPU part of a Redis hit, and, for scale, what a miss spends
 * compressing and encoding the entry it stores. Redis and the network are not part of it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HitPathBenchmark {

	private static final String DESCRIPTION = "Solid oak, hand finished, ships flat. ".repeat(4);

	private byte[] json;

	private byte[] stored;

	private CachedResponse nearHit;

	private HttpCaching http;

	private HttpHeaders plainRequest;

	private HttpHeaders gzipRequest;

	private HttpHeaders conditionalRequest;

	@Setup(Level.Trial)
	public void setUp() {
		this.json = catalogPage(3, 200);
		long now = System.currentTimeMillis();
		this.stored = CacheEntry.compressed("42", now, now + Duration.ofMinutes(5).toMillis(), this.json).encode();
		NearEntry near = NearEntry.of(CacheEntry.decode(this.stored));
		if (!near.plain().equals(ByteBuffer.wrap(this.json))) {
			throw new IllegalStateException("The entry does not round-trip");
		}
		this.nearHit = hit(near);
		this.http = new HttpCaching(Duration.ZERO);
		this.plainRequest = new HttpHeaders();
		this.gzipRequest = new HttpHeaders();
		this.gzipRequest.set(HttpHeaders.ACCEPT_ENCODING, "gzip, deflate, br");
		this.conditionalRequest = new HttpHeaders();
		this.conditionalRequest.setIfNoneMatch('"' + near.entry().etag() + '"');
	}

	/** A near-cache hit answered with the JSON. */
	@Benchmark
	public ResponseEntity<ByteBuffer> renderPlain() {
		return this.http.render(this.nearHit, this.plainRequest);
	}

	/** A near-cache hit answered with the stored gzip bytes. */
	@Benchmark
	public ResponseEntity<ByteBuffer> renderGzip() {
		return this.http.render(this.nearHit, this.gzipRequest);
	}

	/** A near-cache hit answered 304 to a matching If-None-Match. */
	@Benchmark
	public ResponseEntity<ByteBuffer> renderNotModified() {
		return this.http.render(this.nearHit, this.conditionalRequest);
	}

	/** The entry's header, the body left in place. */
	@Benchmark
	public CacheEntry decode() {
		return CacheEntry.decode(this.stored);
	}

	/** The bytes read from Redis made a near entry: header, then gunzip of the body. */
	@Benchmark
	public NearEntry decodeAndInflate() {
		return NearEntry.of(CacheEntry.decode(this.stored));
	}

	/** The CPU part of a Redis hit (near-cache miss), up to the plain response. */
	@Benchmark
	public ResponseEntity<ByteBuffer> redisHitToResponse() {
		return this.http.render(hit(NearEntry.of(CacheEntry.decode(this.stored))), this.plainRequest);
	}

	/** For scale: what a miss spends making the entry it stores. */
	@Benchmark
	public byte[] compressAndEncode() {
		return CacheEntry.compressed("42", 0, 300_000, this.json).encode();
	}

	private static CachedResponse hit(NearEntry near) {
		return new CachedResponse(near.plain(), near.gzipOrNull(), near.entry().etag(), CacheOutcome.HIT,
				CacheScope.PUBLIC);
	}

	/**
	 * A page as the service writes it: the items of one category (k % 20), in id order.
	 */
	static byte[] catalogPage(int category, int size) {
		StringBuilder json = new StringBuilder(size * 320).append("{\"items\":[");
		for (int i = 0; i < size; i++) {
			int k = category + 20 * i;
			if (i > 0) {
				json.append(',');
			}
			json.append("{\"id\":")
				.append(k)
				.append(",\"sku\":\"")
				.append(String.format("SKU-%06d", k))
				.append("\",\"name\":\"Item number ")
				.append(k)
				.append("\",\"description\":\"")
				.append(DESCRIPTION)
				.append("\",\"category\":\"cat-")
				.append(category)
				.append("\",\"priceCents\":")
				.append(100 + (k * 37) % 9900)
				.append(",\"createdAt\":\"2026-11-26T06:19:00.123456Z\"}");
		}
		json.append("],\"nextCursor\":\"eyJpZCI6Mzk4M30\"}");
		return json.toString().getBytes(StandardCharsets.UTF_8);
	}

}
