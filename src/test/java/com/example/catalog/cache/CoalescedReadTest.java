package com.example.catalog.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

class CoalescedReadTest {

	/** The reads sent, in order; each answers what its sink emits. */
	private final List<Sinks.One<String>> reads = new ArrayList<>();

	private final CoalescedRead<String> read = new CoalescedRead<>(() -> Mono.defer(() -> {
		Sinks.One<String> sent = Sinks.one();
		this.reads.add(sent);
		return sent.asMono();
	}));

	@Test
	void aCallerWithNoReadInFlightStartsOneWhenSubscribedAndNotBefore() {
		Mono<String> value = this.read.get();
		assertThat(this.reads).isEmpty();
		List<String> answers = new ArrayList<>();
		value.subscribe(answers::add);
		assertThat(this.reads).hasSize(1);
		this.reads.get(0).tryEmitValue("v1");
		assertThat(answers).containsExactly("v1");
	}

	@Test
	void callersArrivingDuringAReadShareTheNextOneAndAreNeverAnsweredByTheEarlierOne() {
		List<String> first = new ArrayList<>();
		this.read.get().subscribe(first::add);
		List<String> later = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			this.read.get().subscribe(later::add);
		}
		assertThat(this.reads).as("reads sent while one is in flight").hasSize(1);

		this.reads.get(0).tryEmitValue("sent before they asked");
		assertThat(first).containsExactly("sent before they asked");
		assertThat(later).as("answered by the read sent before they asked").isEmpty();
		assertThat(this.reads).as("the next read, sent for the three waiting").hasSize(2);

		this.reads.get(1).tryEmitValue("sent after they asked");
		assertThat(later).containsExactly("sent after they asked", "sent after they asked", "sent after they asked");
		assertThat(this.reads).hasSize(2);
	}

	@Test
	void aFailedReadFailsTheCallersWaitingForTheNextWithoutSendingIt() {
		AtomicInteger failed = new AtomicInteger();
		this.read.get().subscribe((value) -> {
		}, (error) -> failed.incrementAndGet());
		this.read.get().subscribe((value) -> {
		}, (error) -> failed.incrementAndGet());
		this.reads.get(0).tryEmitError(new CacheUnavailableException("Redis timed out", null));
		assertThat(failed).as("the caller of the failed read and the one waiting for the next").hasValue(2);
		assertThat(this.reads).as("no read sent behind a failure").hasSize(1);

		List<String> afterwards = new ArrayList<>();
		this.read.get().subscribe(afterwards::add);
		assertThat(this.reads).as("a caller after the failure starts a read of its own").hasSize(2);
		this.reads.get(1).tryEmitValue("v2");
		assertThat(afterwards).containsExactly("v2");
	}

	@Test
	void onceAReadHasEndedTheNextCallerSendsAFreshOne() {
		List<String> answers = new ArrayList<>();
		this.read.get().subscribe(answers::add);
		this.reads.get(0).tryEmitValue("v1");
		this.read.get().subscribe(answers::add);
		assertThat(this.reads).hasSize(2);
		this.reads.get(1).tryEmitValue("v2");
		assertThat(answers).containsExactly("v1", "v2");
	}

}
