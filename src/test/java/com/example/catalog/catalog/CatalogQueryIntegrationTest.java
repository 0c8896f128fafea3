package com.example.catalog.catalog;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.example.catalog.IntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code GET /catalog} answers, against real PostgreSQL: the order of every sort and
 * its tie-break by id, keyset paging over equal sort keys, the name search, the price
 * bounds, the page size and the format of {@code createdAt}. Each test inserts items of a
 * category of its own directly in SQL (so that it can choose {@code createdAt}), never
 * read before, so that nothing cached and no other test's data is in the way.
 */
@IntegrationTest
class CatalogQueryIntegrationTest {

	private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

	private static final List<String> SORTS = List.of("id", "name", "price", "-price", "createdAt", "-createdAt");

	@Autowired
	WebTestClient client;

	@Autowired
	DatabaseClient db;

	@LocalServerPort
	int port;

	String category;

	int skus;

	@BeforeEach
	void aCategoryOfItsOwn() {
		this.category = "query-" + UUID.randomUUID().toString().substring(0, 8);
	}

	@Test
	void everySortOrdersByItsKeyThenById() {
		List<Fixture> items = new ArrayList<>();
		items.add(insert("bravo", 300, T.plusSeconds(2)));
		items.add(insert("alpha", 200, T.plusSeconds(1)));
		items.add(insert("charlie", 100, T.plusSeconds(1)));
		items.add(insert("bravo", 300, T.plusSeconds(3)));
		items.add(insert("alpha", 200, T));
		items.add(insert("delta", 300, T.plusSeconds(1)));
		// Rows that were updated are stored after the others: an order without the id
		// tie-break would not come out in id order by chance.
		moveToTheEndOfTheTable(items.get(0));
		moveToTheEndOfTheTable(items.get(1));

		for (String sort : SORTS) {
			assertThat(page("sort=" + sort).ids()).as("sort=%s", sort).containsExactlyElementsOf(expected(items, sort));
		}
		assertThat(page("").ids()).as("no sort").containsExactlyElementsOf(expected(items, "id"));
	}

	@Test
	void equalSortKeysAreOrderedByIdInTheDirectionOfTheSort() {
		Fixture first = insert("same", 500, T);
		Fixture second = insert("same", 500, T);
		Fixture third = insert("same", 500, T);
		moveToTheEndOfTheTable(first);
		List<Long> ascending = List.of(first.id(), second.id(), third.id());
		List<Long> descending = List.of(third.id(), second.id(), first.id());
		for (String sort : SORTS) {
			assertThat(page("sort=" + sort).ids()).as("sort=%s", sort)
				.containsExactlyElementsOf(sort.startsWith("-") ? descending : ascending);
		}
	}

	@Test
	void followingNextCursorVisitsEveryItemOnceInOrderForEverySortAcrossEqualKeys() {
		List<Fixture> items = new ArrayList<>();
		for (int i = 0; i < 13; i++) {
			items.add(insert(List.of("alpha", "bravo", "charlie").get(i % 3), 100L * (1 + (i * 2) % 4),
					T.plusSeconds(i % 5)));
		}
		for (String sort : SORTS) {
			List<Long> visited = new ArrayList<>();
			String cursor = null;
			int pages = 0;
			do {
				CatalogPage page = page("sort=" + sort + "&limit=2" + ((cursor != null) ? "&cursor=" + cursor : ""));
				assertThat(page.ids()).as("sort=%s, page %d", sort, pages + 1).isNotEmpty().hasSizeLessThanOrEqualTo(2);
				visited.addAll(page.ids());
				cursor = page.nextCursor();
				pages++;
			}
			while (cursor != null && pages < 20);
			assertThat(visited).as("sort=%s", sort).containsExactlyElementsOf(expected(items, sort));
			assertThat(pages).as("pages of sort=%s (the last one with nextCursor null)", sort).isEqualTo(7);
		}
	}

	@Test
	void aPriceWindowWithEverySortIsInOrderAndItsCursorsVisitEveryItemInItOnce() {
		// Prices of a band of this test's own, so that the window needs no category (a
		// listing in no category takes another statement) and holds only these items.
		long band = 500_000_000L + ThreadLocalRandom.current().nextLong(400_000) * 1_000;
		List<Fixture> items = new ArrayList<>();
		for (int i = 0; i < 17; i++) {
			items.add(insert(List.of("alpha", "bravo", "charlie").get(i % 3), band + 50L * ((i * 7) % 5),
					T.plusSeconds(i % 4)));
		}
		List<Fixture> inWindow = items.stream()
			.filter((item) -> item.priceCents() >= band + 50 && item.priceCents() <= band + 150)
			.toList();
		assertThat(inWindow).hasSizeBetween(5, 12);
		String window = "minPrice=" + (band + 50) + "&maxPrice=" + (band + 150);
		for (boolean inCategory : List.of(true, false)) {
			for (String sort : SORTS) {
				List<Long> visited = new ArrayList<>();
				String cursor = null;
				int pages = 0;
				do {
					String query = window + "&sort=" + sort + "&limit=2"
							+ ((cursor != null) ? "&cursor=" + cursor : "");
					CatalogPage page = inCategory ? page(query)
							: CatalogPage.get(this.client, uri("/catalog?" + query));
					visited.addAll(page.ids());
					cursor = page.nextCursor();
					pages++;
				}
				while (cursor != null && pages < 20);
				assertThat(visited).as("sort=%s, %s", sort, inCategory ? "in its category" : "in no category")
					.containsExactlyElementsOf(expected(inWindow, sort));
			}
		}
	}

	@Test
	void qIsACaseInsensitiveSubstringOfTheName() {
		Fixture mixed = insert("MiXeD Case Lamp", 100, T);
		Fixture cotton = insert("Cotton shirt", 100, T);
		insert("Linen shirt", 100, T);
		assertThat(page("q=mixed%20case").ids()).containsExactly(mixed.id());
		assertThat(page("q=MIXED").ids()).containsExactly(mixed.id());
		assertThat(page("q=e%20LAMP").ids()).containsExactly(mixed.id());
		assertThat(page("q=cOtToN").ids()).containsExactly(cotton.id());
		assertThat(page("q=shirt").ids()).hasSize(2);
		assertThat(page("q=silk").ids()).isEmpty();
	}

	@Test
	void likeMetacharactersInQAreTakenLiterally() {
		Fixture percent = insert("Cotton 100% pure", 100, T);
		insert("Cotton 1000 pure", 100, T);
		Fixture underscore = insert("snake_case", 100, T);
		insert("snakeXcase", 100, T);
		Fixture backslash = insert("back\\slash", 100, T);
		insert("backslash", 100, T);
		assertThat(page("q=100%25").ids()).as("q=100%%").containsExactly(percent.id());
		assertThat(page("q=%25").ids()).as("q=%%").containsExactly(percent.id());
		assertThat(page("q=e_c").ids()).as("q=e_c").containsExactly(underscore.id());
		assertThat(page("q=_").ids()).as("q=_").containsExactly(underscore.id());
		assertThat(page("q=k%5Cs").ids()).as("q=k\\s").containsExactly(backslash.id());
		assertThat(page("q=%5C").ids()).as("q=\\").containsExactly(backslash.id());
	}

	@Test
	void minPriceAndMaxPriceAreInclusive() {
		Map<Long, Long> idsByPrice = new LinkedHashMap<>();
		for (long price : new long[] { 99, 100, 150, 200, 201 }) {
			idsByPrice.put(price, insert("priced " + price, price, T).id());
		}
		assertThat(page("minPrice=100&maxPrice=200").ids()).containsExactly(idsByPrice.get(100L), idsByPrice.get(150L),
				idsByPrice.get(200L));
		assertThat(page("minPrice=200&maxPrice=200").ids()).containsExactly(idsByPrice.get(200L));
		assertThat(page("minPrice=201").ids()).containsExactly(idsByPrice.get(201L));
		assertThat(page("maxPrice=99").ids()).containsExactly(idsByPrice.get(99L));
		assertThat(page("minPrice=0&maxPrice=98").ids()).isEmpty();
	}

	@Test
	void theDefaultLimitIsOneHundredAndOneThousandIsAccepted() {
		this.db
			.sql("INSERT INTO items (sku, name, description, category, price_cents) "
					+ "SELECT :category || '-' || g, 'Item ' || g, '', :category, g FROM generate_series(1, 1001) g")
			.bind("category", this.category)
			.fetch()
			.rowsUpdated()
			.block(Duration.ofSeconds(30));
		CatalogPage byDefault = page("");
		assertThat(byDefault.ids()).hasSize(100);
		assertThat(byDefault.nextCursor()).isNotNull();
		assertThat(page("limit=100").ids()).isEqualTo(byDefault.ids());
		CatalogPage thousand = page("limit=1000");
		assertThat(thousand.ids()).hasSize(1000).startsWith(byDefault.ids().toArray(Long[]::new));
		assertThat(thousand.nextCursor()).isNotNull();
		CatalogPage last = page("limit=1000&cursor=" + thousand.nextCursor());
		assertThat(last.ids()).hasSize(1);
		assertThat(last.nextCursor()).isNull();
	}

	@Test
	void createdAtIsIso8601InUtcWithZ() {
		Fixture offset = insert("offset", 100, Instant.parse("2026-01-02T01:04:05.123456Z"));
		Fixture whole = insert("whole seconds", 100, Instant.parse("2026-01-02T03:04:05Z"));
		Map<Long, String> createdAt = new LinkedHashMap<>();
		page("").items()
			.forEach((item) -> createdAt.put(((Number) item.get("id")).longValue(), (String) item.get("createdAt")));
		assertThat(createdAt).containsEntry(offset.id(), "2026-01-02T01:04:05.123456Z")
			.containsEntry(whole.id(), "2026-01-02T03:04:05Z");
		// Written by the database's clock, through the API.
		String created = this.client.post()
			.uri("/catalog/items")
			.headers((headers) -> headers.setBasicAuth("editor", "editor-secret"))
			.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("sku", this.category + "-api", "name", "api", "category", this.category, "priceCents", 1))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		String iso8601Utc = "\"createdAt\":\"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z\"";
		assertThat(created).containsPattern(iso8601Utc);
		String item = this.client.get()
			.uri(uri("/catalog/items/" + offset.id()))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(item).contains("\"createdAt\":\"2026-01-02T01:04:05.123456Z\"");
		assertThat(this.client.get()
			.uri(uri("/catalog?category=" + this.category))
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody()).containsPattern(iso8601Utc);
	}

	/** The items' ids in the order {@code sort} promises: its key, then the id. */
	private static List<Long> expected(List<Fixture> items, String sort) {
		boolean descending = sort.startsWith("-");
		Function<Fixture, Comparable<?>> key = switch (sort.replace("-", "")) {
			case "id" -> Fixture::id;
			case "name" -> Fixture::name;
			case "price" -> Fixture::priceCents;
			case "createdAt" -> Fixture::createdAt;
			default -> throw new IllegalArgumentException(sort);
		};
		@SuppressWarnings({ "unchecked", "rawtypes" })
		Comparator<Fixture> order = Comparator.comparing((Function) key);
		order = order.thenComparing(Fixture::id);
		if (descending) {
			order = order.reversed();
		}
		return items.stream().sorted(order).map(Fixture::id).toList();
	}

	/** {@code GET /catalog} of this test's category with {@code query} added. */
	private CatalogPage page(String query) {
		return CatalogPage.get(this.client,
				uri("/catalog?category=" + this.category + (query.isEmpty() ? "" : "&" + query)));
	}

	private Fixture insert(String name, long priceCents, Instant createdAt) {
		String sku = this.category + "-" + (++this.skus);
		Long id = this.db
			.sql("INSERT INTO items (sku, name, description, category, price_cents, created_at) "
					+ "VALUES (:sku, :name, '', :category, :price, :createdAt) RETURNING id")
			.bind("sku", sku)
			.bind("name", name)
			.bind("category", this.category)
			.bind("price", priceCents)
			.bind("createdAt", createdAt.atOffset(ZoneOffset.UTC))
			.map((row) -> row.get("id", Long.class))
			.one()
			.block(Duration.ofSeconds(10));
		return new Fixture(id, name, priceCents, createdAt);
	}

	private void moveToTheEndOfTheTable(Fixture item) {
		this.db.sql("UPDATE items SET description = 'moved' WHERE id = :id")
			.bind("id", item.id())
			.fetch()
			.rowsUpdated()
			.block(Duration.ofSeconds(10));
	}

	/** The URL exactly as written: no template expansion, no re-encoding. */
	private URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + this.port + pathAndQuery);
	}

	record Fixture(long id, String name, long priceCents, Instant createdAt) {

	}

}
