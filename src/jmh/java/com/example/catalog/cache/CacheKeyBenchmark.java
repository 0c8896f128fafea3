package com.example.catalog.cache;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of the cache key of a {@code GET /catalog} request, built the way
 * {@code CatalogQuery.cacheKey()} builds it: the typical page
 * ({@code ?category=cat-3&limit=200}), one with every parameter, and the typical page
 * with its Redis key.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheKeyBenchmark {

	private String category = "cat-3";

	private int limit = 200;

	@Benchmark
	public CacheKey catalogPage() {
		return CacheKey.forPublicRoute("catalog")
			.with("category", this.category)
			.with("q", null)
			.with("minPrice", null)
			.with("maxPrice", null)
			.with("sort", "id")
			.with("limit", this.limit)
			.with("cursor", null)
			.build();
	}

	@Benchmark
	public CacheKey catalogEveryParameter() {
		return CacheKey.forPublicRoute("catalog")
			.with("category", this.category)
			.with("q", "number 1")
			.with("minPrice", 100L)
			.with("maxPrice", 9000L)
			.with("sort", "-price")
			.with("limit", this.limit)
			.with("cursor", "eyJrIjoiOTk5OSIsImlkIjoxMjM0NX0")
			.build();
	}

	@Benchmark
	public String catalogPageRedisKey() {
		return catalogPage().valueKey("catalog");
	}

}
