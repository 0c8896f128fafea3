package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogScopesTest {

	@Test
	void anUpdateTouchesItsItemBothCategoriesTheListingsItsRangesAndTheFavourites() {
		assertThat(CatalogScopes.ofItem(7, "decor", "garden", 100, 1000, false)).containsExactlyInAnyOrder(
				CatalogScopes.item(7), CatalogScopes.category("decor"), CatalogScopes.category("garden"),
				CatalogScopes.LISTINGS, "ids:0", "prices:0", "prices:7", CatalogScopes.FAVORITES);
	}

	@Test
	void aCreationTouchesNoFavourites() {
		assertThat(CatalogScopes.ofItem(7, "decor", "decor", 250, 250, true)).containsExactlyInAnyOrder(
				CatalogScopes.item(7), CatalogScopes.category("decor"), CatalogScopes.LISTINGS, "ids:0", "prices:1");
	}

	@Test
	void scopesAreTheSameOnEveryInstance() {
		CRC32 crc = new CRC32();
		crc.update("decor".getBytes(StandardCharsets.UTF_8));
		assertThat(CatalogScopes.category("decor")).isEqualTo("category:" + crc.getValue() % 4096);
		assertThat(CatalogScopes.item(4097)).isEqualTo("items:1");
		assertThat(CatalogScopes.item(-1)).isEqualTo("items:4095");
	}

	@Test
	void noRequestCanNameMoreScopesThanThereAreBuckets() {
		Set<String> scopes = new HashSet<>();
		for (int i = 0; i < 100_000; i++) {
			scopes.add(CatalogScopes.item(i * 7919L));
			scopes.add(CatalogScopes.category(UUID.randomUUID().toString()));
		}
		assertThat(scopes).hasSizeLessThanOrEqualTo(2 * CatalogScopes.BUCKETS);
	}

	@Test
	void differentCategoriesUsuallyHaveDifferentScopes() {
		Set<String> scopes = new HashSet<>();
		for (int i = 0; i < 200; i++) {
			scopes.add(CatalogScopes.category("cat-" + i));
		}
		assertThat(scopes).hasSizeGreaterThan(190);
	}

}
