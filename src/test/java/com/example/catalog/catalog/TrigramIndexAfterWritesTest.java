package com.example.catalog.catalog;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names written after the trigram index was built are searched in the index's tree, not
 * in a list of pending entries that every search would read whole until a {@code VACUUM}
 * (migration V9), also once the demo data loader has dropped and rebuilt the index.
 */
class TrigramIndexAfterWritesTest {

	private static final int WRITTEN = 5_000;

	@Test
	void aSearchAfterThousandsOfWritesReadsOnlyAFewPagesOfTheTrigramIndex() throws Exception {
		try (ScratchDatabase database = ScratchDatabase.create("pending")) {
			database.migrate();
			database.fillWithDemoItems(1_000, 10);
			database.execute("INSERT INTO items (sku, name, category, price_cents) SELECT 'W-' || g,"
					+ " 'Written later no. ' || g, 'garden', 1000 + g FROM generate_series(1, " + WRITTEN + ") g");

			long pages = trigramIndexPagesRead(database, "%zqx%");

			// A lookup of a trigram reads a few pages of the tree; a pending list of
			// 5,000
			// names is about 200.
			assertThat(pages).as("pages of the trigram index read by a search").isLessThan(20);
		}
	}

	private static long trigramIndexPagesRead(ScratchDatabase database, String pattern) throws Exception {
		try (Connection connection = DriverManager.getConnection(database.jdbcUrl(), ScratchDatabase.username(),
				ScratchDatabase.password()); Statement statement = connection.createStatement()) {
			// So small a table may be scanned whole instead: the index is what is
			// measured.
			statement.execute("SET enable_seqscan = off");
			try (ResultSet plan = statement.executeQuery("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM items"
					+ " WHERE name_folded LIKE '" + pattern + "'")) {
				plan.next();
				JsonNode indexScan = indexScan(JsonMapper.shared().readTree(plan.getString(1)).get(0).get("Plan"));
				assertThat(indexScan).as("the trigram index's scan in the plan").isNotNull();
				System.out.println("trigram index scan after " + WRITTEN + " writes: " + indexScan);
				return indexScan.get("Shared Hit Blocks").asLong() + indexScan.get("Shared Read Blocks").asLong();
			}
		}
	}

	private static JsonNode indexScan(JsonNode node) {
		if ("items_category_name_folded_trgm_idx".equals(node.path("Index Name").asString(""))) {
			return node;
		}
		for (JsonNode child : node.path("Plans")) {
			JsonNode found = indexScan(child);
			if (found != null) {
				return found;
			}
		}
		return null;
	}

}
