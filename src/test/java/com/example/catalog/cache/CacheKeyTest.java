package com.example.catalog.cache;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class CacheKeyTest {

	private static final String PREFIX = "catalog";

	@Test
	void equalPartsGiveEqualKeysWhateverTheOrderOfWith() {
		CacheKey one = CacheKey.forPublicRoute("catalog")
			.with("category", "books")
			.with("limit", 100)
			.with("sort", "id")
			.build();
		CacheKey two = CacheKey.forPublicRoute("catalog")
			.with("sort", "id")
			.with("category", "books")
			.with("limit", 100)
			.build();
		assertThat(one).isEqualTo(two).hasSameHashCodeAs(two);
		assertThat(one.valueKey(PREFIX)).isEqualTo(two.valueKey(PREFIX));
	}

	@Test
	void aNullValueIsLeftOut() {
		CacheKey withNull = CacheKey.forPublicRoute("catalog").with("q", null).with("limit", 100).build();
		CacheKey without = CacheKey.forPublicRoute("catalog").with("limit", 100).build();
		assertThat(withNull).isEqualTo(without);
	}

	@Test
	void differentValuesGiveDifferentKeys() {
		CacheKey books = CacheKey.forPublicRoute("catalog").with("category", "books").build();
		CacheKey games = CacheKey.forPublicRoute("catalog").with("category", "games").build();
		CacheKey none = CacheKey.forPublicRoute("catalog").build();
		assertThat(books).isNotEqualTo(games).isNotEqualTo(none);
		assertThat(books.valueKey(PREFIX)).isNotEqualTo(games.valueKey(PREFIX)).isNotEqualTo(none.valueKey(PREFIX));
	}

	@Test
	void differentNamesForTheSameValueGiveDifferentKeys() {
		CacheKey min = CacheKey.forPublicRoute("catalog").with("minPrice", 100).build();
		CacheKey max = CacheKey.forPublicRoute("catalog").with("maxPrice", 100).build();
		assertThat(min).isNotEqualTo(max);
	}

	@Test
	void differentRoutesGiveDifferentKeys() {
		CacheKey list = CacheKey.forPublicRoute("catalog").with("id", 1).build();
		CacheKey item = CacheKey.forPublicRoute("item").with("id", 1).build();
		assertThat(list).isNotEqualTo(item);
		assertThat(list.valueKey(PREFIX)).isNotEqualTo(item.valueKey(PREFIX));
	}

	@Test
	void aValueCannotForgeTheBoundaryBetweenParts() {
		CacheKey forged = CacheKey.forPublicRoute("catalog").with("a", "1\nb=1:2").build();
		CacheKey twoParts = CacheKey.forPublicRoute("catalog").with("a", "1").with("b", "2").build();
		assertThat(forged).isNotEqualTo(twoParts);
		assertThat(forged.valueKey(PREFIX)).isNotEqualTo(twoParts.valueKey(PREFIX));

		CacheKey joined = CacheKey.forPublicRoute("catalog").with("a", "1=2").build();
		CacheKey split = CacheKey.forPublicRoute("catalog").with("a=1", "2").build();
		assertThat(joined).isNotEqualTo(split);
	}

	@Test
	void aPublicKeyCannotForgeAPrincipalScopedKey() {
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").build();
		CacheKey forged = CacheKey.forPublicRoute("favorites")
			.with("principal", CacheKey.principalDigest("alice"))
			.build();
		assertThat(forged).isNotEqualTo(alice);
		assertThat(forged.valueKey(PREFIX)).isNotEqualTo(alice.valueKey(PREFIX));
	}

	@Test
	void theValueKeyLengthIsBoundedForHugeInputs() {
		String huge = "x".repeat(1_000_000);
		CacheKey small = CacheKey.forPublicRoute("catalog").with("q", "x").build();
		CacheKey big = CacheKey.forPublicRoute("catalog").with("q", huge).with(huge, huge).build();
		CacheKey bigPrincipal = CacheKey.forPrincipalRoute("favorites", huge).with("q", huge).build();
		assertThat(big.valueKey(PREFIX)).hasSameSizeAs(small.valueKey(PREFIX)).hasSizeLessThan(100);
		assertThat(bigPrincipal.valueKey(PREFIX)).hasSizeLessThan(150);
		assertThat(big.toString()).hasSizeLessThan(50);
	}

	@Test
	void routeNamesMustBeShortLowercaseIdentifiers() {
		assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.forPublicRoute("Catalog"));
		assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.forPublicRoute("a:b"));
		assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.forPublicRoute(""));
		assertThatIllegalArgumentException().isThrownBy(() -> CacheKey.forPrincipalRoute("me favorites", "alice"));
	}

	@Test
	void principalScopedKeysNeverContainTheRawPrincipalName() {
		String principal = "alice.wonderland@example.com";
		CacheKey key = CacheKey.forPrincipalRoute("favorites", principal).build();
		assertThat(key.scope()).isEqualTo(CacheScope.PRINCIPAL);
		assertThat(key.valueKey(PREFIX)).doesNotContain(principal).doesNotContain("alice");
		assertThat(key.dependencies())
			.allSatisfy((scope) -> assertThat(scope).doesNotContain(principal).doesNotContain("alice"));
		assertThat(CacheKey.principalScope(principal)).doesNotContain("alice");
		assertThat(key.toString()).doesNotContain("alice");
	}

	@Test
	void principalScopedKeysDifferBetweenPrincipals() {
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").with("limit", 10).build();
		CacheKey bob = CacheKey.forPrincipalRoute("favorites", "bob").with("limit", 10).build();
		CacheKey aliceAgain = CacheKey.forPrincipalRoute("favorites", "alice").with("limit", 10).build();
		assertThat(alice).isNotEqualTo(bob).isEqualTo(aliceAgain);
		assertThat(alice.valueKey(PREFIX)).isNotEqualTo(bob.valueKey(PREFIX));
		assertThat(alice.dependencies()).isNotEqualTo(bob.dependencies());
		assertThat(CacheKey.principalDigest("alice")).isNotEqualTo(CacheKey.principalDigest("bob"))
			.isEqualTo(alice.principalDigest());
	}

	@Test
	void principalScopedAndPublicKeysWithTheSamePartsDiffer() {
		CacheKey shared = CacheKey.forPublicRoute("favorites").with("limit", 10).build();
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").with("limit", 10).build();
		assertThat(shared.scope()).isEqualTo(CacheScope.PUBLIC);
		assertThat(shared).isNotEqualTo(alice);
		assertThat(shared.valueKey(PREFIX)).isNotEqualTo(alice.valueKey(PREFIX));
	}

	@Test
	void keysDependOnTheScopesTheirRouteDeclaresOnceEach() {
		CacheKey key = CacheKey.forPublicRoute("catalog")
			.dependsOn("category:decor")
			.dependsOn("category:decor")
			.dependsOn("listings")
			.build();
		assertThat(key.dependencies()).containsExactly("category:decor", "listings");
		assertThat(CacheKey.forPublicRoute("catalog").build().dependencies()).isEmpty();
	}

	@Test
	void principalScopedKeysAlsoDependOnTheirPrincipalsScope() {
		CacheKey alice = CacheKey.forPrincipalRoute("favorites", "alice").dependsOn("favorites").build();
		assertThat(alice.dependencies()).containsExactly("favorites", CacheKey.principalScope("alice"));
		assertThat(CacheKey.principalScope("alice")).isEqualTo("principal:" + CacheKey.principalDigest("alice"));
	}

	@Test
	void valueKeysCarryThePrefix() {
		CacheKey key = CacheKey.forPublicRoute("catalog").build();
		assertThat(key.valueKey("test-1234")).startsWith("test-1234:resp:catalog:");
	}

}
