package com.example.catalog.cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How long a held stamp is used, and what drops it; the time is a ticker the test moves.
 */
class HeldStampsTest {

	private static final List<String> DECOR = List.of("gen:everything", "gen:category:decor");

	private static final List<String> LIGHTING = List.of("gen:everything", "gen:category:lighting");

	private final AtomicLong now = new AtomicLong(1_000_000_000L);

	private final HeldStamps held = new HeldStamps(Duration.ofMillis(500), this.now::get);

	@Test
	void aStampIsUsedUntilShortlyBeforeItsLeaseEndsCountedFromWhenItsReadWasSent() {
		HeldStamps.Reading reading = this.held.reading();
		advance(Duration.ofMillis(3));
		HeldStamps.Held stamp = this.held.hold("1.2", DECOR, reading);
		advance(Duration.ofMillis(470));
		assertThat(this.held.current(stamp)).isEqualTo("1.2");
		// 500 ms less a twentieth, from the read's sending: Redis keeps the lease longer
		advance(Duration.ofMillis(2));
		assertThat(this.held.current(stamp)).isNull();
	}

	@Test
	void aDropEndsEveryHeldStamp() {
		HeldStamps.Held one = this.held.hold("1.2", DECOR, this.held.reading());
		HeldStamps.Held other = this.held.hold("3.4", LIGHTING, this.held.reading());
		this.held.drop();
		assertThat(this.held.current(one)).isNull();
		assertThat(this.held.current(other)).isNull();
		assertThat(this.held.current(this.held.hold("1.3", DECOR, this.held.reading()))).isEqualTo("1.3");
	}

	@Test
	void aDropOfCountersEndsOnlyTheStampsThatDependOnOneOfThem() {
		HeldStamps.Held decor = this.held.hold("1.2", DECOR, this.held.reading());
		HeldStamps.Held lighting = this.held.hold("1.3", LIGHTING, this.held.reading());
		this.held.drop(List.of("gen:category:decor", "gen:item:7"));
		assertThat(this.held.current(decor)).isNull();
		assertThat(this.held.current(lighting)).isEqualTo("1.3");
		this.held.drop(List.of("gen:everything"));
		assertThat(this.held.current(lighting)).isNull();
	}

	@Test
	void aReadWhoseReplyCameAfterADropOfOneOfItsCountersIsNotHeldButOtherReadsAre() {
		HeldStamps.Reading decorRead = this.held.reading();
		HeldStamps.Reading lightingRead = this.held.reading();
		this.held.drop(List.of("gen:category:decor"));
		assertThat(this.held.hold("1.2", DECOR, decorRead)).isNull();
		assertThat(this.held.current(this.held.hold("1.3", LIGHTING, lightingRead))).isEqualTo("1.3");
	}

	@Test
	void aDropIsRememberedForAsLongAsAStampReadBeforeItCouldBeHeld() {
		advance(Duration.ofMillis(300));
		HeldStamps.Held decor = this.held.hold("1.2", DECOR, this.held.reading());
		advance(Duration.ofMillis(100));
		this.held.drop(List.of("gen:category:decor"));
		advance(Duration.ofMillis(130));
		// So many drops that those older than a lease are forgotten
		this.held.drop(IntStream.range(0, 5000).mapToObj((id) -> "gen:item:" + id).toList());
		// Held until 775 ms (a lease of 500 ms less a twentieth, from 300 ms)
		advance(Duration.ofMillis(240));
		assertThat(this.held.current(decor)).isNull();
	}

	@Test
	void aReadWhoseReplyCameAfterADropIsNotHeld() {
		HeldStamps.Reading sentBeforeTheNotice = this.held.reading();
		this.held.drop();
		assertThat(this.held.hold("1.2", DECOR, sentBeforeTheNotice)).isNull();
		assertThat(this.held.current(null)).isNull();
	}

	@Test
	void aStampIsRenewedWhenAFifthOfItsLeaseIsLeft() {
		HeldStamps.Reading reading = this.held.reading();
		advance(Duration.ofMillis(5));
		HeldStamps.Held stamp = this.held.hold("1.2", DECOR, reading);
		// held for 475 ms from the sending, renewed 100 ms before that
		assertThat(this.held.renewalIn(stamp)).isEqualTo(Duration.ofMillis(370));
		advance(Duration.ofMillis(400));
		assertThat(this.held.renewalIn(stamp)).isZero();
	}

	@Test
	void stampsAreHeldOnlyWhileNoticesAreHeardAndNoneSurviveTheirLoss() {
		assertThat(this.held.holding()).isFalse();
		this.held.listening(true);
		assertThat(this.held.holding()).isTrue();
		HeldStamps.Held stamp = this.held.hold("1.2", DECOR, this.held.reading());
		this.held.listening(false);
		assertThat(this.held.holding()).isFalse();
		assertThat(this.held.current(stamp)).isNull();
	}

	@Test
	void withoutALeaseNothingIsHeldAndWritersNeedNotWait() {
		HeldStamps none = new HeldStamps(Duration.ZERO, this.now::get);
		none.listening(true);
		assertThat(none.configured()).isFalse();
		assertThat(none.holding()).isFalse();
		assertThat(none.current(none.hold("1.2", DECOR, none.reading()))).isNull();
	}

	private void advance(Duration duration) {
		this.now.addAndGet(duration.toNanos());
	}

}
