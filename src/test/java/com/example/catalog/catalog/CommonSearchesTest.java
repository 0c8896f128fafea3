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
	void aSubstringIsCommonOnlyOnceASearchFoundItSoInEitherCase() {
		assertThat(this.searches.isCommon("walnut")).isFalse();
		this.searches.foundCommon("Walnut");
		assertThat(this.searches.isCommon("walnut")).isTrue();
		assertThat(this.searches.isCommon("WALNUT")).isTrue();
		assertThat(this.searches.isCommon("walnut lamp")).isFalse();
	}

	@Test
	void aCommonSubstringIsForgottenOnceItsTimeIsUp() {
		this.searches.foundCommon("oak");
		this.nanoTime.addAndGet(CommonSearches.REMEMBERED_FOR.toNanos() - 1);
		assertThat(this.searches.isCommon("oak")).isTrue();
		this.nanoTime.addAndGet(1);
		assertThat(this.searches.isCommon("oak")).isFalse();
	}

}
