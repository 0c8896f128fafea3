package com.example.catalog.cache;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The text of notices and acknowledgements, as every instance writes and reads it.
 */
class InvalidationNoticeTest {

	@Test
	void aNoticeNamesItsCountersWhateverTheyHold() {
		List<String> counters = List.of("p:gen:{p}:category:living room", "p:gen:{p}:everything");
		InvalidationNotice notice = InvalidationNotice.of("writer-1", "nonce-1", counters);
		assertThat(notice.text()).doesNotContain("living room");
		InvalidationNotice read = InvalidationNotice.parse(notice.text());
		assertThat(read).isEqualTo(new InvalidationNotice("writer-1", "nonce-1", counters));
		assertThat(read.dropsEverything()).isFalse();
	}

	@Test
	void aNoticeOfTooManyCountersNamesNoneAndDropsEverything() {
		List<String> counters = IntStream.range(0, 257).mapToObj((id) -> "p:gen:{p}:item:" + id).toList();
		InvalidationNotice read = InvalidationNotice
			.parse(InvalidationNotice.of("writer-1", "nonce-1", counters).text());
		assertThat(read.counters()).isEmpty();
		assertThat(read.dropsEverything()).isTrue();
		assertThat(InvalidationNotice.parse("writer-1 nonce-1").dropsEverything()).isTrue();
	}

	@Test
	void textsWithoutAWriterAndANonceAreNoNotices() {
		assertThat(InvalidationNotice.parse("writer-1")).isNull();
		assertThat(InvalidationNotice.Acknowledgement.parse("nonce-1")).isNull();
	}

	@Test
	void anAcknowledgementNamesTheWriteFirstAndTheHolderLast() {
		InvalidationNotice notice = InvalidationNotice.of("writer-1", "nonce-1", List.of("p:gen:{p}:everything"));
		assertThat(InvalidationNotice.Acknowledgement.parse(notice.acknowledgement("holder-1")))
			.isEqualTo(new InvalidationNotice.Acknowledgement("nonce-1", "holder-1"));
		// A release that acknowledged with the rest of the notice after the nonce
		assertThat(InvalidationNotice.Acknowledgement.parse("nonce-1 p%3Agen%3A%7Bp%7D%3Aeverything holder-1"))
			.isEqualTo(new InvalidationNotice.Acknowledgement("nonce-1", "holder-1"));
	}

}
