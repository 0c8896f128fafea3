package com.example.catalog.catalog;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static com.example.catalog.system.ProblemAssertions.assertBadParameter;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parsing and normalising {@code GET /catalog} queries without a database: two spellings
 * of one query are one query, and so one cache key.
 */
class CatalogQueryTest {

	@Test
	void anEmptyQueryIsTheFirstPageOfEverythingByIdWithTheDefaultLimit() {
		CatalogQuery query = CatalogQuery.parse(null);
		assertThat(query).isEqualTo(new CatalogQuery(null, null, null, null, ItemSort.ID, 100, null));
		assertThat(CatalogQuery.parse("")).isEqualTo(query);
	}

	@Test
	void spellingsOfOneQueryGiveOneQueryAndOneCacheKey() {
		CatalogQuery query = CatalogQuery.parse("category=tools&minPrice=100&limit=20");
		for (String spelling : List.of("limit=20&minPrice=100&category=tools",
				"category=tools&minPrice=0100&limit=20&sort=id", "category=tools&minPrice=%2B100&limit=020",
				"&category=tools&&minPrice=100&limit=20&", "category=%74ools&minPrice=100&limit=20")) {
			CatalogQuery other = CatalogQuery.parse(spelling);
			assertThat(other).as(spelling).isEqualTo(query);
			assertThat(other.cacheKey()).as(spelling).isEqualTo(query.cacheKey());
		}
		assertThat(CatalogQuery.parse("category=tools").cacheKey())
			.isEqualTo(CatalogQuery.parse("category=tools&limit=100&sort=id").cacheKey());
	}

	@Test
	void queriesThatMeanSomethingElseGetOtherCacheKeys() {
		List<String> queries = List.of("category=tools", "category=Tools", "q=tools", "category=tools&limit=99",
				"category=tools&sort=name", "category=tools&minPrice=1", "category=tools&maxPrice=1",
				"category=tools&q=x", "category=tools&sort=-price", "category=tools&sort=price");
		assertThat(queries.stream().map((query) -> CatalogQuery.parse(query).cacheKey()).distinct())
			.hasSize(queries.size());
	}

	@Test
	void aCursorIsPartOfTheKey() {
		String cursor = PageCursor.after(item(7, "Seven", 700), ItemSort.PRICE).encode();
		CatalogQuery query = CatalogQuery.parse("sort=price&cursor=" + cursor);
		assertThat(query.cursor()).isEqualTo(new PageCursor(ItemSort.PRICE, "700", 7));
		assertThat(query.cacheKey()).isNotEqualTo(CatalogQuery.parse("sort=price").cacheKey());
	}

	@Test
	void everySortParses() {
		assertThat(List.of("id", "name", "price", "-price", "createdAt", "-createdAt")
			.stream()
			.map((sort) -> CatalogQuery.parse("sort=" + sort).sort())).containsExactly(ItemSort.ID, ItemSort.NAME,
					ItemSort.PRICE, ItemSort.PRICE_DESC, ItemSort.CREATED_AT, ItemSort.CREATED_AT_DESC);
	}

	@Test
	void limitIsFromOneToOneThousand() {
		assertThat(CatalogQuery.parse("limit=1").limit()).isEqualTo(1);
		assertThat(CatalogQuery.parse("limit=1000").limit()).isEqualTo(1000);
		assertBadParameter(() -> CatalogQuery.parse("limit=0"), "limit");
		assertBadParameter(() -> CatalogQuery.parse("limit=1001"), "limit");
	}

	@Test
	void pricesAreBoundedAndMinMustNotExceedMax() {
		assertThat(CatalogQuery.parse("minPrice=5&maxPrice=5").minPrice()).isEqualTo(5);
		assertThat(CatalogQuery.parse("maxPrice=1000000000").maxPrice()).isEqualTo(1_000_000_000L);
		assertBadParameter(() -> CatalogQuery.parse("maxPrice=1000000001"), "maxPrice");
		assertBadParameter(() -> CatalogQuery.parse("minPrice=-1"), "minPrice");
		assertBadParameter(() -> CatalogQuery.parse("minPrice=6&maxPrice=5"), "minPrice");
	}

	@Test
	void categoryAndQAreBoundedLikeTheFieldsTheySearch() {
		assertThat(CatalogQuery.parse("category=" + "c".repeat(64)).category()).hasSize(64);
		assertBadParameter(() -> CatalogQuery.parse("category=" + "c".repeat(65)), "category");
		assertThat(CatalogQuery.parse("q=" + "n".repeat(200)).nameContains()).hasSize(200);
		assertBadParameter(() -> CatalogQuery.parse("q=" + "n".repeat(201)), "q");
	}

	@Test
	void badValuesAreRejectedNamingTheParameter() {
		assertBadParameter(() -> CatalogQuery.parse("sort=Price"), "sort");
		assertBadParameter(() -> CatalogQuery.parse("sort=-id"), "sort");
		assertBadParameter(() -> CatalogQuery.parse("page=2"), "page");
		assertBadParameter(() -> CatalogQuery.parse("cursor=not-a-cursor"), "cursor");
	}

	@Test
	void aCursorOfAnotherSortIsRejected() {
		String byName = PageCursor.after(item(7, "Seven", 700), ItemSort.NAME).encode();
		assertBadParameter(() -> CatalogQuery.parse("sort=price&cursor=" + byName), "cursor");
		assertBadParameter(() -> CatalogQuery.parse("cursor=" + byName), "cursor");
	}

	static Item item(long id, String name, long priceCents) {
		return new Item(id, "SKU-" + id, name, "", "c", priceCents, Instant.parse("2026-01-01T00:00:00.123456Z"), 1);
	}

}
