package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import static com.example.catalog.system.ProblemAssertions.assertBadParameter;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keyset cursors: what {@code nextCursor} carries, and that only cursors this service
 * issued for the same sort are taken back.
 */
class PageCursorTest {

	private static final Instant CREATED = Instant.parse("2026-03-04T05:06:07.891234Z");

	private static final Item ITEM = new Item(42, "SKU-42", "Name with spaces, commas\tand ümlauts", "", "c", 1299,
			CREATED, 1);

	@Test
	void everySortRoundTripsItsKeyAndTheId() {
		for (ItemSort sort : ItemSort.values()) {
			PageCursor cursor = PageCursor.after(ITEM, sort);
			assertThat(PageCursor.decode(cursor.encode(), sort)).as("%s", sort).isEqualTo(cursor);
			assertThat(cursor.id()).isEqualTo(42);
		}
	}

	@Test
	void theKeyValueIsWhatTheSortComparesInSql() {
		assertThat(PageCursor.after(ITEM, ItemSort.ID).keyValue()).isEqualTo(42L);
		assertThat(PageCursor.after(ITEM, ItemSort.NAME).keyValue()).isEqualTo(ITEM.name());
		assertThat(PageCursor.after(ITEM, ItemSort.PRICE).keyValue()).isEqualTo(1299L);
		assertThat(PageCursor.after(ITEM, ItemSort.PRICE_DESC).keyValue()).isEqualTo(1299L);
		assertThat(PageCursor.after(ITEM, ItemSort.CREATED_AT).keyValue())
			.isEqualTo(OffsetDateTime.of(2026, 3, 4, 5, 6, 7, 891_234_000, ZoneOffset.UTC));
		assertThat(PageCursor.after(ITEM, ItemSort.CREATED_AT_DESC).keyValue())
			.isEqualTo(PageCursor.after(ITEM, ItemSort.CREATED_AT).keyValue());
	}

	@Test
	void createdAtKeepsMicrosecondsLikePostgresql() {
		Item nanos = new Item(1, "S", "n", "", "c", 1, Instant.parse("2026-03-04T05:06:07.891234567Z"), 1);
		assertThat(PageCursor.after(nanos, ItemSort.CREATED_AT).keyValue())
			.isEqualTo(OffsetDateTime.of(2026, 3, 4, 5, 6, 7, 891_234_000, ZoneOffset.UTC));
	}

	@Test
	void theTokenIsUrlSafeWithoutPadding() {
		for (ItemSort sort : ItemSort.values()) {
			assertThat(PageCursor.after(ITEM, sort).encode()).matches("[A-Za-z0-9_-]+");
		}
	}

	@Test
	void aCursorOfAnotherSortIsRejected() {
		String byPrice = PageCursor.after(ITEM, ItemSort.PRICE).encode();
		assertBadParameter(() -> PageCursor.decode(byPrice, ItemSort.PRICE_DESC), "cursor");
		assertBadParameter(() -> PageCursor.decode(byPrice, ItemSort.ID), "cursor");
	}

	@Test
	void tokensThisServiceDidNotIssueAreRejected() {
		for (String text : new String[] { "c1\nprice\n42", "c2\nprice\n42\n1299", "c1\nprice\nx\n1299",
				"c1\nprice\n42\ncheap", "c1\nprice\n42\n12.99", "", "c1" }) {
			assertBadParameter(() -> PageCursor.decode(token(text), ItemSort.PRICE), "cursor");
		}
		assertBadParameter(() -> PageCursor.decode("not base64!", ItemSort.ID), "cursor");
	}

	private static String token(String text) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

}
