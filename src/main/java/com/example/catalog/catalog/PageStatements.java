package com.example.catalog.catalog;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SQL of {@code GET /catalog}. Every statement reads in keyset order (the sort key,
 * then the id) from an index, and every one that searches by name is shaped so that its
 * cost does not depend on the planner guessing how many names contain {@code q}, which it
 * cannot know: see {@link ItemPages} for which statement runs when.
 */
final class PageStatements {

	/**
	 * How many rows of the keyset order a search reads at most before it stops guessing
	 * that matches are common.
	 */
	static final int SCAN_ROWS = 10_000;

	/**
	 * How many matches the trigram index may hand over before a search is taken to be too
	 * common to be sorted whole.
	 */
	static final int RARE_MATCHES = 2_000;

	/**
	 * Whether the name contains {@code q}, case-insensitively: {@code name ILIKE
	 * :pattern} as PostgreSQL evaluates it, on the name folded when it was written
	 * (migration V7) rather than at each row read.
	 */
	private static final String MATCHES = "name_folded LIKE lower(:pattern)";

	private PageStatements() {
	}

	/** A listing without {@code q}: its first {@code limit + 1} rows. */
	static Statement listing(CatalogQuery query) {
		Statement statement = new Statement();
		if (priceWindowPassedOverInSortIndex(query)) {
			pricedListing(statement, query);
		}
		else {
			firstRows(statement, Item.COLUMNS, query);
		}
		return statement;
	}

	/**
	 * Whether the query has a price window and is sorted by name or creation in no
	 * category: its sort's index carries the price (V8), so the rows outside the window
	 * can be passed over in the index alone, where an index scan would read each of them
	 * from the table to check its price.
	 */
	private static boolean priceWindowPassedOverInSortIndex(CatalogQuery query) {
		ItemSort sort = query.sort();
		boolean priceWindow = query.minPrice() != null || query.maxPrice() != null;
		return priceWindow && !sort.byPrice() && !sort.byIdOnly() && query.category() == null;
	}

	/**
	 * A listing with a price window, sorted by name or creation in no category, which
	 * walks the sort's index and passes over the rows outside the window. That index
	 * carries the price (V8), so the page's ids are taken from the index alone and only
	 * the page's rows are read: reading every row passed over was 10,000 heap pages for a
	 * 1 % window sorted by name at a million items (README, "A million items"). Each id
	 * read by the array counts as an index scan in PostgreSQL's statistics.
	 */
	private static void pricedListing(Statement statement, CatalogQuery query) {
		statement.sql.append("SELECT ").append(Item.COLUMNS).append(" FROM items WHERE id = ANY(ARRAY(");
		firstRows(statement, "id", query);
		statement.sql.append(")) ORDER BY ").append(query.sort().orderBy());
	}

	/**
	 * {@code columns} of the first {@code limit + 1} rows of a listing's keyset order,
	 * after its cursor.
	 */
	private static void firstRows(Statement statement, String columns, CatalogQuery query) {
		statement.sql.append("SELECT ").append(columns).append(" FROM items WHERE TRUE");
		filters(statement, query);
		keyset(statement, query.sort(), query.cursor());
		statement.sql.append(" ORDER BY ").append(query.sort().orderBy()).append(" LIMIT :limit");
		statement.binds.put("limit", query.limit() + 1);
	}

	/**
	 * The matches of {@code q}, taken from the trigram index, at most
	 * {@link #RARE_MATCHES} of them before they are sorted, each row with how many were
	 * taken ({@code found}): fewer than that are all of them, and the page is exact.
	 */
	static Statement rareMatches(CatalogQuery query) {
		Statement statement = new Statement();
		statement.sql.append("SELECT ")
			.append(Item.COLUMNS)
			.append(", count(*) OVER () AS found FROM (SELECT ")
			.append(Item.COLUMNS)
			.append(" FROM items WHERE ")
			.append(MATCHES);
		filters(statement, query);
		keyset(statement, query.sort(), query.cursor());
		// The limit inside keeps the sort out, so the planner takes the matches from the
		// trigram index: an ordered index walked until the page is full reads the whole
		// table when the matches are rare.
		statement.sql.append(" LIMIT :rare) m ORDER BY ").append(query.sort().orderBy()).append(" LIMIT :limit");
		statement.binds.put("pattern", pattern(query.nameContains()));
		statement.binds.put("rare", RARE_MATCHES);
		statement.binds.put("limit", query.limit() + 1);
		return statement;
	}

	/**
	 * The first {@link #SCAN_ROWS} rows of the keyset order after {@code after} that pass
	 * the other filters, each marked whether its name matches, and of them the matching
	 * ones (at most {@code count}) and the last row read when the scan ended there. The
	 * scan stops as soon as {@code count} matches are found. A search's first window is
	 * from its cursor for {@code limit + 1}; a next one, from the last row read for what
	 * the page still misses.
	 * <p>
	 * With a price window, sorted by name or creation in no category, the scan takes the
	 * window's rows from the sort's index alone and the names are compared on the rows
	 * joined to it, so only the window's rows are read from the table: comparing them in
	 * the scan read each row to check its price, about a hundred rows for each one kept
	 * in a 1 % window (1.7 s for a common word at a million items, against 0.1 s this
	 * way; {@code EXPLAIN ANALYZE}, README "With the same filters").
	 */
	static Statement window(CatalogQuery query, PageCursor after, int count) {
		ItemSort sort = query.sort();
		boolean comparedOnJoinedRows = priceWindowPassedOverInSortIndex(query);
		String matched = comparedOnJoinedRows ? "i." + MATCHES : "w.matched";
		Statement statement = new Statement();
		statement.sql.append("SELECT ")
			.append(Item.qualifiedColumns("i"))
			.append(", ")
			.append(matched)
			.append(" AS matched, w.last FROM (SELECT id, ")
			.append(sort.byIdOnly() ? "" : sort.column() + ", ")
			.append(comparedOnJoinedRows ? "" : MATCHES + " AS matched, ")
			.append("row_number() OVER (ORDER BY ")
			.append(sort.orderBy())
			.append(") = :scan AS last FROM items WHERE TRUE");
		filters(statement, query);
		keyset(statement, sort, after);
		statement.sql.append(" ORDER BY ")
			.append(sort.orderBy())
			.append(" LIMIT :scan) w JOIN items i ON i.id = w.id WHERE ")
			.append(matched)
			.append(" OR w.last ORDER BY ")
			.append(sort.orderBy("w."))
			.append(" LIMIT :limit");
		statement.binds.put("pattern", pattern(query.nameContains()));
		statement.binds.put("scan", SCAN_ROWS);
		statement.binds.put("limit", count);
		return statement;
	}

	/**
	 * Every match of {@code q} after {@code after}, sorted, its first {@code count}: for
	 * a search whose matches are neither rare nor common enough to fill a page within
	 * {@link #SCAN_ROWS} rows. It reads each match once, from the trigram index.
	 */
	static Statement matchesAfter(CatalogQuery query, PageCursor after, int count) {
		Statement statement = new Statement();
		statement.sql.append("SELECT ")
			.append(Item.COLUMNS)
			.append(" FROM (SELECT ")
			.append(Item.COLUMNS)
			.append(" FROM items WHERE ")
			.append(MATCHES);
		filters(statement, query);
		keyset(statement, query.sort(), after);
		// OFFSET 0 keeps the planner from walking an ordered index: the matches are
		// known not to come early in it.
		statement.sql.append(" OFFSET 0) m ORDER BY ").append(query.sort().orderBy()).append(" LIMIT :limit");
		statement.binds.put("pattern", pattern(query.nameContains()));
		statement.binds.put("limit", count);
		return statement;
	}

	private static void filters(Statement statement, CatalogQuery query) {
		if (query.category() != null) {
			statement.sql.append(" AND category = :category");
			statement.binds.put("category", query.category());
		}
		if (query.minPrice() != null) {
			statement.sql.append(" AND price_cents >= :minPrice");
			statement.binds.put("minPrice", query.minPrice());
		}
		if (query.maxPrice() != null) {
			statement.sql.append(" AND price_cents <= :maxPrice");
			statement.binds.put("maxPrice", query.maxPrice());
		}
	}

	private static void keyset(Statement statement, ItemSort sort, PageCursor after) {
		if (after == null) {
			return;
		}
		String comparison = sort.descending() ? "<" : ">";
		if (sort.byIdOnly()) {
			statement.sql.append(" AND id ").append(comparison).append(" :afterId");
		}
		else {
			statement.sql.append(" AND (")
				.append(sort.column())
				.append(", id) ")
				.append(comparison)
				.append(" (:afterKey, :afterId)");
			statement.binds.put("afterKey", after.keyValue());
		}
		statement.binds.put("afterId", after.id());
	}

	/** {@code q} as a {@code LIKE} pattern that takes it literally. */
	static String pattern(String nameContains) {
		return "%" + nameContains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
	}

	/**
	 * Whether {@code q} has three letters or digits in a row, the least from which
	 * {@code pg_trgm} is sure to take a trigram: a shorter one can be found by no index
	 * of trigrams, so its search is bounded instead (see {@link ItemPages}).
	 */
	static boolean hasTrigram(String nameContains) {
		int run = 0;
		for (int i = 0; i < nameContains.length();) {
			int codePoint = nameContains.codePointAt(i);
			run = Character.isLetterOrDigit(codePoint) ? run + 1 : 0;
			if (run == 3) {
				return true;
			}
			i += Character.charCount(codePoint);
		}
		return false;
	}

	/** SQL with named parameters, and their values. */
	static final class Statement {

		private final StringBuilder sql = new StringBuilder();

		private final Map<String, Object> binds = new LinkedHashMap<>();

		String sql() {
			return this.sql.toString();
		}

		Map<String, Object> binds() {
			return this.binds;
		}

	}

}
