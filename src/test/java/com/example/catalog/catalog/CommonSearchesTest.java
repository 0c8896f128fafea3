package com.example.catalog.catalog;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link CommonSearches} remembers, and for how long, on a clock of the test's own.
 */
class CommonSearchesTest {

	private final AtomicLong nanoTime = new AtomicLong();

	private final CommonSearches searches = new CommonSearches(this.nanoTime::get);

	@Test
	void aSubstringIsCommonOnlyOnceASearchFoundItSoInEitherCaseInAnySortOrPage() {
		assertThat(this.searches.isCommon(search("q=walnut"))).isFalse();
		this.searches.foundCommon(search("q=Walnut"));
		assertThat(this.searches.isCommon(search("q=walnut"))).isTrue();
		assertThat(this.searches.isCommon(search("q=WALNUT&sort=-price&limit=7"))).isTrue();
		assertThat(this.searches.isCommon(search("q=walnut%20lamp"))).isFalse();
	}

	@Test
	void aSubstringCommonInTheCatalogIsNotTakenAsCommonWithinACategoryOrAPriceWindow() {
		this.searches.foundCommon(search("q=walnut"));
		assertThat(this.searches.isCommon(search("q=walnut&category=lighting"))).isFalse();
		assertThat(this.searches.isCommon(search("q=walnut&minPrice=9000&maxPrice=9400&sort=name"))).isFalse();
		assertThat(this.searches.isCommon(search("q=walnut&minPrice=9000"))).isFalse();
		this.searches.foundCommon(search("q=walnut&minPrice=9000"));
		assertThat(this.searches.isCommon(search("q=walnut&minPrice=9000&limit=5"))).isTrue();
		assertThat(this.searches.isCommon(search("q=walnut&maxPrice=9000"))).isFalse();
	}

	@Test
	void aCommonSubstringIsForgottenOnceItsTimeIsUp() {
		this.searches.foundCommon(search("q=oak"));
		this.nanoTime.addAndGet(CommonSearches.REMEMBERED_FOR.toNanos() - 1);
		assertThat(this.searches.isCommon(search("q=oak"))).isTrue();
		this.nanoTime.addAndGet(1);
		assertThat(this.searches.isCommon(search("q=oak"))).isFalse();
	}

	private static CatalogQuery search(String query) {
		return CatalogQuery.parse(query);
	}

}
