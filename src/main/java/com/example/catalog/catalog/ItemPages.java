package com.example.catalog.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * Keyset pages of {@code GET /catalog} from PostgreSQL.
 * <p>
 * A listing without {@code q} is one statement on the index of its filters and sort. A
 * search by name is where a planner goes wrong: it cannot know how many names contain a
 * substring, nor where in the sort order they are, and a wrong guess either sorts
 * hundreds of thousands of matches or walks an ordered index to the end of the table. So
 * a search never depends on that guess:
 * <ol>
 * <li>the matches are taken from the trigram index, at most
 * {@link PageStatements#RARE_MATCHES}: when there are fewer, they are all of them, and
 * the page is sorted from them;</li>
 * <li>otherwise the matches are common, and the first {@link PageStatements#SCAN_ROWS}
 * rows of the keyset order are read, stopping once the page is full;</li>
 * <li>when even those do not fill it, but held at least as many matches as are still
 * missing, the next rows of the keyset order are read the same way (up to
 * {@link #MORE_WINDOWS} more times); otherwise the remaining matches after the last row
 * read are taken from the trigram index and sorted.</li>
 * </ol>
 * The page is the same as one statement would give. A substring found common in the first
 * step is remembered for a while with the search's category and price window
 * ({@link CommonSearches}), and its next searches with the same filters start with the
 * second step. A {@code q} without three letters or digits in a row has no trigram to
 * look up, so its search is the second step alone: it reads at most
 * {@link PageStatements#SCAN_ROWS} rows, and when that does not fill the page, the page
 * holds the matches found so far (possibly none) with a {@code nextCursor} that continues
 * the scan after the last row read. Following the cursors still visits every match once,
 * in order.
 */
@Repository
class ItemPages {

	/**
	 * How many more windows of {@link PageStatements#SCAN_ROWS} rows a search reads, when
	 * the matches found so far say that the next one will fill the page, before it takes
	 * the rest from the trigram index.
	 */
	static final int MORE_WINDOWS = 3;

	private final DatabaseClient db;

	private final TransactionalOperator snapshot;

	private final CommonSearches commonSearches;

	@Autowired
	ItemPages(DatabaseClient db, ReactiveTransactionManager transactions) {
		this(db, transactions, new CommonSearches());
	}

	ItemPages(DatabaseClient db, ReactiveTransactionManager transactions, CommonSearches commonSearches) {
		this.db = db;
		this.commonSearches = commonSearches;
		DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
		definition.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
		definition.setReadOnly(true);
		this.snapshot = TransactionalOperator.create(transactions, definition);
	}

	Mono<ItemPage> find(CatalogQuery query) {
		if (query.nameContains() == null) {
			return items(PageStatements.listing(query)).map((found) -> page(query, found));
		}
		if (!PageStatements.hasTrigram(query.nameContains())) {
			return scan(query, true);
		}
		if (this.commonSearches.isCommon(query)) {
			return scanThenMatchesAfter(query);
		}
		return rows(PageStatements.rareMatches(query), Rare::fromRow).flatMap((found) -> {
			if (found.isEmpty() || found.get(0).found() < PageStatements.RARE_MATCHES) {
				return Mono.just(page(query, found.stream().map(Rare::item).toList()));
			}
			this.commonSearches.foundCommon(query);
			return scanThenMatchesAfter(query);
		});
	}

	private Mono<ItemPage> scanThenMatchesAfter(CatalogQuery query) {
		// The statements of one search must see the same rows: one snapshot.
		return scan(query, false).as(this.snapshot::transactional);
	}

	private Mono<ItemPage> scan(CatalogQuery query, boolean bounded) {
		return scan(query, query.cursor(), List.of(), bounded ? 0 : MORE_WINDOWS, bounded);
	}

	/**
	 * Reads a window of the keyset order from {@code from} for the matches still missing
	 * after {@code found}. A window that ends the page short reads the next one when it
	 * held at least as many matches as are still missing (so the next one most likely
	 * fills it: a few milliseconds of rows in order), at most {@code windowsLeft} times;
	 * otherwise the rest comes from the trigram index, sorted (the last step), or, for a
	 * {@code bounded} search, the page ends with what was found.
	 */
	private Mono<ItemPage> scan(CatalogQuery query, PageCursor from, List<Item> found, int windowsLeft,
			boolean bounded) {
		int missing = query.limit() + 1 - found.size();
		return rows(PageStatements.window(query, from, missing), Scanned::fromRow).flatMap((scanned) -> {
			List<Item> matches = new ArrayList<>(found);
			scanned.stream().filter(Scanned::matched).map(Scanned::item).forEach(matches::add);
			Scanned lastRead = scanned.isEmpty() ? null : scanned.get(scanned.size() - 1);
			if (matches.size() > query.limit() || lastRead == null || !lastRead.last()) {
				return Mono.just(page(query, matches));
			}
			PageCursor after = PageCursor.after(lastRead.item(), query.sort());
			if (bounded) {
				return Mono.just(new ItemPage(matches, after.encode()));
			}
			int stillMissing = query.limit() + 1 - matches.size();
			if (windowsLeft > 0 && matches.size() - found.size() >= stillMissing) {
				return scan(query, after, matches, windowsLeft - 1, false);
			}
			return items(PageStatements.matchesAfter(query, after, stillMissing)).map((more) -> {
				matches.addAll(more);
				return page(query, matches);
			});
		});
	}

	/** {@code limit} items of {@code found}, and a cursor when it holds one more. */
	private static ItemPage page(CatalogQuery query, List<Item> found) {
		boolean more = found.size() > query.limit();
		List<Item> page = more ? found.subList(0, query.limit()) : found;
		String next = more ? PageCursor.after(page.get(page.size() - 1), query.sort()).encode() : null;
		return new ItemPage(page, next);
	}

	private Mono<List<Item>> items(PageStatements.Statement statement) {
		return rows(statement, Item::fromRow);
	}

	private <T> Mono<List<T>> rows(PageStatements.Statement statement, Function<Readable, T> row) {
		DatabaseClient.GenericExecuteSpec spec = this.db.sql(statement.sql()).bindValues(statement.binds());
		return spec.map(row).all().collectList();
	}

	/** A match taken from the trigram index, with how many were taken. */
	private record Rare(Item item, long found) {

		static Rare fromRow(Readable row) {
			return new Rare(Item.fromRow(row), row.get("found", Long.class));
		}

	}

	/**
	 * A row of the keyset order, whether its name matches, and whether the scan ended at
	 * it.
	 */
	private record Scanned(Item item, boolean matched, boolean last) {

		static Scanned fromRow(Readable row) {
			return new Scanned(Item.fromRow(row), Boolean.TRUE.equals(row.get("matched", Boolean.class)),
					Boolean.TRUE.equals(row.get("last", Boolean.class)));
		}

	}

}
