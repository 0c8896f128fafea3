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
	void anUpdateTouchesItsItemBothCategoriesTheListingsAndTheFavourites() {
		assertThat(CatalogScopes.ofItem(7, "decor", "garden", false)).containsExactly(CatalogScopes.item(7),
				CatalogScopes.category("decor"), CatalogScopes.category("garden"), CatalogScopes.LISTINGS,
				CatalogScopes.FAVORITES);
	}

	@Test
	void aCreationTouchesNoFavourites() {
		assertThat(CatalogScopes.ofItem(7, "decor", "decor", true)).containsExactly(CatalogScopes.item(7),
				CatalogScopes.category("decor"), CatalogScopes.LISTINGS);
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
