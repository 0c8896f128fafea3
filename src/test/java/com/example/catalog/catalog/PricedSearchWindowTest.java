package com.example.catalog.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A search common within a price window, sorted by name or creation in no category, whose
 * bounded scan takes the window's rows from the sort's index alone
 * ({@link PageStatements#window}): its pages and cursors are those of one statement, on a
 * catalog of its own (60,000 demo items, where {@code walnut} is in a tenth of the names
 * and all of them sort after the other materials' names).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PricedSearchWindowTest {

	private ScratchDatabase database;

	private DatabaseClient db;

	private ItemPages pages;

	@BeforeAll
	void aCatalogOf60000Items() throws Exception {
		this.database = ScratchDatabase.create("priced");
		this.database.migrate();
		this.database.fillWithDemoItems(60_000, 20);
		ConnectionFactory connections = this.database.connectionFactory();
		this.db = DatabaseClient.create(connections);
		this.pages = new ItemPages(this.db, new R2dbcTransactionManager(connections));
	}

	@AfterAll
	void dropIt() throws Exception {
		if (this.database != null) {
			this.database.close();
		}
	}

	@ParameterizedTest(name = "sort={0}")
	@CsvSource({ "name, 'name, id'", "-createdAt, 'created_at DESC, id DESC'" })
	void aCommonSubstringInAPriceWindowGetsThePagesOfOneStatement(String sort, String order) {
		String filters = "q=WALnut&minPrice=1000&maxPrice=40000&sort=" + sort;
		List<Long> expected = this.db
			.sql("SELECT id FROM items WHERE name ILIKE '%walnut%' AND price_cents BETWEEN 1000 AND 40000 ORDER BY "
					+ order)
			.map((row) -> row.get(0, Long.class))
			.all()
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(expected).as("matches in the window: common").hasSizeGreaterThan(PageStatements.RARE_MATCHES);

		List<Long> found = new ArrayList<>();
		List<Integer> sizes = new ArrayList<>();
		String cursor = null;
		do {
			ItemPage page = this.pages
				.find(CatalogQuery.parse(filters + "&limit=1000" + ((cursor != null) ? "&cursor=" + cursor : "")))
				.block(Duration.ofSeconds(30));
			page.items().forEach((item) -> found.add(item.id()));
			sizes.add(page.items().size());
			cursor = page.nextCursor();
		}
		while (cursor != null);
		assertThat(found).isEqualTo(expected);
		assertThat(sizes.subList(0, sizes.size() - 1)).as("every page but the last is full").containsOnly(1000);
	}

}
