package com.example.catalog.catalog;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * Fills an empty catalog with a few thousand plausible items so that a new user sees
 * something at once. A catalog that has items is left alone; two instances starting
 * together insert each item once.
 */
@Component
@ConditionalOnBooleanProperty("catalog.demo-data")
class DemoData implements ApplicationRunner {

	static final int ITEMS = 3000;

	private static final Log logger = LogFactory.getLog(DemoData.class);

	private static final String INSERT = """
			INSERT INTO items (sku, name, description, category, price_cents, created_at)
			SELECT 'DEMO-' || lpad(g::text, 5, '0'),
			       (ARRAY['Oak', 'Walnut', 'Linen', 'Ceramic', 'Brass', 'Velvet', 'Rattan', 'Marble', 'Copper', 'Wool'])[1 + g % 10]
			       || ' ' || (ARRAY['chair', 'lamp', 'table', 'vase', 'rug', 'shelf', 'bowl', 'cushion', 'mirror', 'stool',
			                        'planter', 'throw'])[1 + (g / 10) % 12] || ' no. ' || g,
			       (ARRAY['Hand finished in a small workshop.', 'Ships flat, assembles in minutes.',
			              'Made from responsibly sourced materials.', 'A quiet classic that suits any room.',
			              'Limited run; each piece varies slightly.'])[1 + g % 5],
			       (ARRAY['furniture', 'lighting', 'kitchen', 'garden', 'textiles', 'decor'])[1 + g % 6],
			       499 + (g * 7919) % 49500,
			       now() - make_interval(mins => g)
			FROM generate_series(1, :count) AS g
			ON CONFLICT (sku) DO NOTHING
			""";

	private final ItemRepository items;

	private final DatabaseClient db;

	DemoData(ItemRepository items, DatabaseClient db) {
		this.items = items;
		this.db = db;
	}

	@Override
	public void run(ApplicationArguments args) {
		// Start-up runs on the main thread, not an event loop: waiting here is what keeps
		// the service from reporting ready before its demo data exists.
		Long inserted = this.items.count()
			.filter((count) -> count == 0)
			.flatMap((empty) -> this.db.sql(INSERT).bind("count", ITEMS).fetch().rowsUpdated())
			.block(Duration.ofMinutes(2));
		if (inserted != null) {
			logger.info("Filled the empty catalog with " + inserted + " demo items");
		}
	}

}
