package com.example.catalog.catalog;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.ReactiveTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@code q} pages through more rows than a search reads at once
 * ({@link PageStatements#SCAN_ROWS}): a {@code q} with a trigram still gets full pages,
 * the same as one statement over the whole table would give; a shorter one gets pages of
 * what each bounded scan found, and its cursors still visit every match once, in order.
 * Each test fills a category of its own in SQL.
 */
@IntegrationTest
class SearchIntegrationTest {

	/** The statement of a search's first step, which counts its matches. */
	private static final Predicate<String> COUNTS_MATCHES = (sql) -> sql.contains("count(*) OVER ()");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@Autowired
	ReactiveTransactionManager transactions;

	@LocalServerPort
	int port;

	String category;

	@BeforeEach
	void aCategoryOfItsOwn() {
		this.category = "search-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Test
	void aShortQReadsABoundedNumberOfRowsPerPageAndItsCursorsStillVisitEveryMatchOnce() {
		// 25,000 items; "zq" is in five names: one in the first scan's rows, two in the
		// second's, two in the last (shorter) one.
		insert(25_000, "CASE WHEN g IN (3, 12000, 12001, 24000, 24999) THEN 'Item zQ ' ELSE 'Item plain ' END || g");
		List<Long> expected = ids("name ILIKE '%zq%'", "id");
		assertThat(expected).hasSize(5);

		List<CatalogPage> pages = follow("q=zq&limit=2");
		assertThat(pages.stream().flatMap((page) -> page.ids().stream()).toList()).isEqualTo(expected);
		assertThat(pages.get(0).ids()).as("the first scan's one match, though the page could hold two").hasSize(1);
		assertThat(pages.get(0).nextCursor()).isNotNull();
		assertThat(pages).as("one page per %d rows read", PageStatements.SCAN_ROWS).hasSize(3);

		List<CatalogPage> byPrice = follow("q=ZQ&limit=2&sort=-price");
		assertThat(byPrice.stream().flatMap((page) -> page.ids().stream()).toList())
			.isEqualTo(ids("name ILIKE '%zq%'", "price_cents DESC, id DESC"));
	}

	@Test
	void aQWithTrigramsWhoseMatchesAreNeitherRareNorAmongTheFirstRowsStillGetsFullPages() {
		int matches = insertCommonAfterTheFirstScan("Walnut shelf ", "Oak shelf ");
		for (String sort : List.of("id", "-price", "name")) {
			String order = switch (sort) {
				case "id" -> "id";
				case "-price" -> "price_cents DESC, id DESC";
				default -> "name, id";
			};
			List<Long> expected = ids("name ILIKE '%walnut%'", order);
			assertThat(expected).hasSize(matches);
			List<CatalogPage> pages = follow("q=wALNut&limit=1000&sort=" + sort);
			assertThat(pages.stream().flatMap((page) -> page.ids().stream()).toList()).as("sort=%s", sort)
				.isEqualTo(expected);
			assertThat(pages.stream().map((page) -> page.ids().size()).toList()).as("page sizes, sort=%s", sort)
				.containsExactly(1000, 1000, matches - 2000);
		}
	}

	/**
	 * A substring found in more names than a search takes as rare is remembered: its next
	 * searches, with other sorts and limits, start with the bounded scan and are not
	 * counted in the trigram index again, and their pages are still exact.
	 */
	@Test
	void aSubstringFoundCommonIsNotCountedAgainByItsNextSearches() {
		insertCommonAfterTheFirstScan("Cedar box ", "Pine box ");
		List<String> statements = new CopyOnWriteArrayList<>();
		ItemPages pages = recordingPages(statements);

		ItemPage first = pages.find(CatalogQuery.parse("category=" + this.category + "&q=cedar&limit=50"))
			.block(Duration.ofSeconds(30));
		assertThat(statements).filteredOn(COUNTS_MATCHES).as("the first search counts its matches").hasSize(1);
		assertThat(ids(first)).isEqualTo(ids("name ILIKE '%cedar%'", "id").subList(0, 50));

		statements.clear();
		ItemPage byPrice = pages.find(CatalogQuery.parse("category=" + this.category + "&q=CEDAR&limit=70&sort=-price"))
			.block(Duration.ofSeconds(30));
		assertThat(statements).as("the next search's statements").isNotEmpty().noneMatch(COUNTS_MATCHES);
		assertThat(ids(byPrice)).isEqualTo(ids("name ILIKE '%cedar%'", "price_cents DESC, id DESC").subList(0, 70));
		ItemPage second = pages
			.find(CatalogQuery.parse("category=" + this.category + "&q=cedar&limit=50&cursor=" + first.nextCursor()))
			.block(Duration.ofSeconds(30));
		assertThat(ids(second)).isEqualTo(ids("name ILIKE '%cedar%'", "id").subList(50, 100));
		assertThat(statements).noneMatch(COUNTS_MATCHES);
	}

	/**
	 * A substring common in the catalog can be rare within a price window: found common
	 * without one, it is counted again with one, so that its few matches there are sorted
	 * instead of being looked for row by row in the sort order.
	 */
	@Test
	void aSubstringFoundCommonIsCountedAgainWithinAPriceWindow() {
		insertCommonAfterTheFirstScan("Maple tray ", "Birch tray ");
		List<String> statements = new CopyOnWriteArrayList<>();
		ItemPages pages = recordingPages(statements);
		pages.find(CatalogQuery.parse("category=" + this.category + "&q=maple&limit=50")).block(Duration.ofSeconds(30));
		List<Long> window = ids("name ILIKE '%maple%' AND price_cents BETWEEN 400 AND 420", "name, id");
		assertThat(window).as("matches in the price window").isNotEmpty().hasSizeLessThan(PageStatements.RARE_MATCHES);

		statements.clear();
		ItemPage inWindow = pages
			.find(CatalogQuery
				.parse("category=" + this.category + "&q=maple&minPrice=400&maxPrice=420&sort=name&limit=500"))
			.block(Duration.ofSeconds(30));
		assertThat(statements).as("the search in a price window").hasSize(1).allMatch(COUNTS_MATCHES);
		assertThat(ids(inWindow)).isEqualTo(window);
	}

	/**
	 * Matches spread evenly, one name in sixteen: a window of rows holds more than half a
	 * page of them, so the search reads the next window instead of taking the rest from
	 * the trigram index, and its pages are the same.
	 */
	@Test
	void aWindowThatHeldMoreThanWasStillMissingIsFollowedByTheNextWindow() {
		insert(40_000, "CASE WHEN g % 16 = 0 THEN 'Teak stool ' ELSE 'Ash stool ' END || g");
		List<Long> expected = ids("name ILIKE '%teak%'", "id");
		assertThat(expected).hasSize(2_500);
		List<String> statements = new CopyOnWriteArrayList<>();
		ItemPages pages = recordingPages(statements);

		ItemPage first = pages.find(CatalogQuery.parse("category=" + this.category + "&q=teak&limit=1000"))
			.block(Duration.ofSeconds(30));
		assertThat(ids(first)).isEqualTo(expected.subList(0, 1000));
		assertThat(statements).as("the statements of the first page")
			.filteredOn((sql) -> sql.contains("row_number()"))
			.hasSize(2);
		assertThat(statements).as("no match taken from the trigram index after the windows")
			.noneMatch((sql) -> sql.contains("OFFSET 0"));

		List<CatalogPage> followed = follow("q=teak&limit=1000");
		assertThat(followed.stream().flatMap((page) -> page.ids().stream()).toList()).isEqualTo(expected);
		assertThat(followed.stream().map((page) -> page.ids().size()).toList()).containsExactly(1000, 1000, 500);
		List<CatalogPage> byPrice = follow("q=teak&limit=300&sort=-price");
		assertThat(byPrice.stream().flatMap((page) -> page.ids().stream()).toList())
			.isEqualTo(ids("name ILIKE '%teak%'", "price_cents DESC, id DESC"));
	}

	@Test
	void qMatchesLettersBeyondAsciiInEitherCaseAsIlikeDoes() {
		insert(30, "CASE g % 3 WHEN 0 THEN 'ÉCRIN Ωmega ' WHEN 1 THEN 'écrin ωMEGA ' ELSE 'Ecrin omega ' END || g");
		List<Long> expected = ids("name ILIKE '%écrin ωmega%'", "id");
		assertThat(expected).hasSize(20);
		List<CatalogPage> pages = follow("q=%C3%A9CRIN%20%CF%89mega&limit=7");
		assertThat(pages.stream().flatMap((page) -> page.ids().stream()).toList()).isEqualTo(expected);
	}

	private static List<Long> ids(ItemPage page) {
		return page.items().stream().map(Item::id).toList();
	}

	/** The service's statements, as they are sent, recorded. */
	private record RecordingDatabaseClient(DatabaseClient db, List<String> statements) implements DatabaseClient {

		@Override
		public ConnectionFactory getConnectionFactory() {
			return this.db.getConnectionFactory();
		}

		@Override
		public GenericExecuteSpec sql(String sql) {
			this.statements.add(sql);
			return this.db.sql(sql);
		}

		@Override
		public GenericExecuteSpec sql(Supplier<String> sqlSupplier) {
			return sql(sqlSupplier.get());
		}

		@Override
		public <T> Mono<T> inConnection(Function<Connection, Mono<T>> action) {
			return this.db.inConnection(action);
		}

		@Override
		public <T> Flux<T> inConnectionMany(Function<Connection, Flux<T>> action) {
			return this.db.inConnectionMany(action);
		}

	}

	/**
	 * {@code count} items of this test's category, named by {@code name} of g = 1, 2,
	 * ....
	 */
	/**
	 * More rows named {@code common} than a search takes as rare, all after the first
	 * {@link PageStatements#SCAN_ROWS} rows of the order, which are named {@code other}:
	 * how many were named {@code common}.
	 */
	private int insertCommonAfterTheFirstScan(String common, String other) {
		int matches = PageStatements.RARE_MATCHES + 500;
		insert(PageStatements.SCAN_ROWS + matches,
				"CASE WHEN g > " + PageStatements.SCAN_ROWS + " THEN '" + common + "' ELSE '" + other + "' END || g");
		return matches;
	}

	/** {@link ItemPages} whose statements are recorded in {@code statements}. */
	private ItemPages recordingPages(List<String> statements) {
		return new ItemPages(new RecordingDatabaseClient(this.db, statements), this.transactions, new CommonSearches());
	}

	private void insert(int count, String name) {
		this.db
			.sql("INSERT INTO items (sku, name, description, category, price_cents) SELECT :category || '-' || g, "
					+ name + ", '', :category, (g * 7919) % 1000 FROM generate_series(1, :count) g ORDER BY g")
			.bind("category", this.category)
			.bind("count", count)
			.fetch()
			.rowsUpdated()
			.block(Duration.ofSeconds(60));
	}

	private List<Long> ids(String condition, String order) {
		return this.db.sql("SELECT id FROM items WHERE category = :category AND " + condition + " ORDER BY " + order)
			.bind("category", this.category)
			.map((row) -> row.get("id", Long.class))
			.all()
			.collectList()
			.block(Duration.ofSeconds(30));
	}

	/**
	 * Every page of {@code GET /catalog} of this test's category with {@code query}
	 * added.
	 */
	private List<CatalogPage> follow(String query) {
		List<CatalogPage> pages = new ArrayList<>();
		String cursor = null;
		do {
			CatalogPage page = page(query + ((cursor != null) ? "&cursor=" + cursor : ""));
			pages.add(page);
			cursor = page.nextCursor();
		}
		while (cursor != null && pages.size() < 50);
		assertThat(cursor).as("the last page's nextCursor").isNull();
		return pages;
	}

	private CatalogPage page(String query) {
		return CatalogPage.get(this.client,
				URI.create("http://127.0.0.1:" + this.port + "/catalog?category=" + this.category + "&" + query));
	}

}
