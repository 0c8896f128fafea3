package com.example.catalog.catalog;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What PostgreSQL's planner does with the statements of {@code GET /catalog} on a table
 * big enough for a wrong plan to show (200,000 items in 200 categories, filled and
 * analysed by the demo data loader in a database of its own): every shape reads an index
 * of its filters and sort, never the whole table, and {@code q} is looked up in the
 * trigram index.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlannerUsesIndexesTest {

	private static final int ITEMS = 200_000;

	private ScratchDatabase database;

	private DatabaseClient db;

	@BeforeAll
	void aCatalogOf200000Items() throws Exception {
		this.database = ScratchDatabase.create("plans");
		this.database.migrate();
		this.database.fillWithDemoItems(ITEMS, 200);
		this.db = this.database.client();
	}

	@AfterAll
	void dropIt() throws Exception {
		if (this.database != null) {
			this.database.close();
		}
	}

	@Test
	void theDemoDataLoaderFillsTheCatalogRebuildsEveryIndexAndAnalysesIt() {
		assertThat(one("SELECT count(*) FROM items", Long.class)).isEqualTo(ITEMS);
		assertThat(one("SELECT count(DISTINCT category) FROM items", Long.class)).isEqualTo(200);
		List<String> indexes = this.db.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'items'")
			.map((row) -> row.get(0, String.class))
			.all()
			.collectList()
			.block(Duration.ofSeconds(10));
		assertThat(indexes).containsExactlyInAnyOrder("items_pkey", "items_sku_key", "items_category_id_idx",
				"items_category_price_idx", "items_category_created_idx", "items_name_idx", "items_price_idx",
				"items_created_idx", "items_category_name_folded_trgm_idx", "items_category_name_idx");
		assertThat(
				one("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'items'", Boolean.class))
			.isTrue();
	}

	static Stream<Arguments> listings() {
		return Stream.of(listing("", "items_pkey"), listing("category=garden-3", "items_category_id_idx"),
				listing("category=garden-3&sort=name", "items_category_name_idx"),
				listing("category=garden-3&sort=price", "items_category_price_idx"),
				listing("category=garden-3&sort=-price", "items_category_price_idx"),
				listing("category=garden-3&sort=createdAt", "items_category_created_idx"),
				listing("category=garden-3&sort=-createdAt", "items_category_created_idx"),
				listing("sort=name", "items_name_idx"), listing("sort=price", "items_price_idx"),
				listing("sort=-createdAt", "items_created_idx"),
				listing("minPrice=20000&maxPrice=20500&sort=price", "items_price_idx"),
				listing("minPrice=20000&maxPrice=20500&sort=-price", "items_price_idx"),
				listing("category=garden-3&minPrice=20000&maxPrice=25000&sort=price", "items_category_price_idx"),
				listing("cursor=" + new PageCursor(ItemSort.ID, "", 150_000).encode(), "items_pkey"),
				listing("sort=name&cursor=" + new PageCursor(ItemSort.NAME, "Oak lamp no. 150000", 150_000).encode(),
						"items_name_idx"),
				listing("category=garden-3&sort=-price&cursor="
						+ new PageCursor(ItemSort.PRICE_DESC, "20000", 150_000).encode(), "items_category_price_idx"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("listings")
	void everyListingReadsTheIndexOfItsFiltersAndSort(String query, String index) {
		assertThat(plan(PageStatements.listing(CatalogQuery.parse(query)))).contains(index).doesNotContain("Seq Scan");
	}

	static Stream<Arguments> pricedListings() {
		return Stream.of(listing("minPrice=20000&maxPrice=20500&sort=name", "items_name_idx"),
				listing("minPrice=20000&maxPrice=20500&sort=-createdAt", "items_created_idx"), listing(
						"minPrice=20000&maxPrice=20500&sort=name&cursor="
								+ new PageCursor(ItemSort.NAME, "Oak lamp no. 150000", 150_000).encode(),
						"items_name_idx"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("pricedListings")
	void aPriceWindowSortedOtherwiseIsPassedOverInTheSortsIndexAlone(String query, String index) {
		assertThat(plan(PageStatements.listing(CatalogQuery.parse(query))))
			.containsPattern("Index Only Scan.* using " + index)
			.as("only the page's rows read, by their ids")
			.contains("Index Cond: (id = ANY (")
			.doesNotContain("Nested Loop")
			.doesNotContain("Seq Scan");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("pricedListings")
	void theBoundedWindowOfASearchInAPriceWindowPassesOverItInTheSortsIndexAlone(String query, String index) {
		CatalogQuery search = CatalogQuery.parse(query + "&q=walnut");
		assertThat(plan(PageStatements.window(search, search.cursor(), search.limit() + 1)))
			.containsPattern("Index Only Scan.* using " + index)
			.doesNotContain("Seq Scan");
	}

	@Test
	void aPriceWindowSortedByIdReadsAnIndexNotTheTable() {
		assertThat(plan(PageStatements.listing(CatalogQuery.parse("minPrice=20000&maxPrice=20500"))))
			.containsAnyOf("items_pkey", "items_price_idx")
			.doesNotContain("Seq Scan");
	}

	@Test
	void aSearchLooksItsMatchesUpInTheTrigramIndex() {
		String plan = plan(PageStatements.rareMatches(CatalogQuery.parse("q=123456")));
		assertThat(plan).contains("Bitmap Index Scan on items_category_name_folded_trgm_idx")
			.doesNotContain("Seq Scan");
	}

	@Test
	void aSearchInACategoryLooksTheCategoryAndTheSubstringUpInOneIndex() {
		assertThat(plan(PageStatements.rareMatches(CatalogQuery.parse("q=walnut&category=garden-3&sort=-price"))))
			.containsPattern("Bitmap Index Scan on items_category_name_folded_trgm_idx .*\\n\\s+Index Cond: "
					+ "\\(\\(\\(category\\)::text = .+\\) AND \\(name_folded ~~ .+\\)\\)")
			.as("not the substring's whole list of rows intersected with the category's")
			.doesNotContain("BitmapAnd")
			.doesNotContain("Seq Scan");
	}

	@Test
	void theMatchesAfterTheWindowComeFromTheTrigramIndexEvenWhenTheyAreCommon() {
		CatalogQuery query = CatalogQuery.parse("q=walnut%20lamp&sort=name");
		String plan = plan(PageStatements.matchesAfter(query, new PageCursor(ItemSort.NAME, "Brass", 0), 101));
		assertThat(plan).contains("Bitmap Index Scan on items_category_name_folded_trgm_idx")
			.doesNotContain("Seq Scan");
	}

	static Stream<Arguments> windows() {
		return Stream.of(listing("q=walnut", "items_pkey"), listing("q=walnut&sort=name", "items_name_idx"),
				listing("q=ch&sort=-createdAt", "items_created_idx"),
				listing("q=walnut&category=garden-3&sort=price", "items_category_price_idx"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("windows")
	void theBoundedWindowOfASearchWalksTheIndexOfItsSort(String query, String index) {
		CatalogQuery search = CatalogQuery.parse(query);
		assertThat(plan(PageStatements.window(search, search.cursor(), search.limit() + 1))).contains(index)
			.doesNotContain("Seq Scan");
	}

	private static Arguments listing(String query, String index) {
		return Arguments.of(query, index);
	}

	private String plan(PageStatements.Statement statement) {
		Map<String, Object> binds = statement.binds();
		String plan = String.join("\n",
				this.db.sql("EXPLAIN " + statement.sql())
					.bindValues(binds)
					.map((row) -> row.get(0, String.class))
					.all()
					.collectList()
					.block(Duration.ofSeconds(30)));
		System.out.println(statement.sql() + "\n" + plan);
		return plan;
	}

	private <T> T one(String sql, Class<T> type) {
		return this.db.sql(sql).map((row) -> row.get(0, type)).one().block(Duration.ofSeconds(10));
	}

}
