package com.example.catalog.cache;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The acknowledgements of one write's notice, and the wait for them: registered before
 * the write is sent (an acknowledgement may come before the write's own reply), done once
 * every holder but the writer has acknowledged or its lease has run out, and not before
 * Redis can have forgotten no holder.
 */
final class NoticeAcknowledgements {

	private final String writerId;

	private final Counter leasesWaitedOut;

	private final Set<String> received = ConcurrentHashMap.newKeySet();

	private final Sinks.Empty<Void> all = Sinks.empty();

	private volatile Set<String> expected;

	NoticeAcknowledgements(String writerId, Counter leasesWaitedOut) {
		this.writerId = writerId;
		this.leasesWaitedOut = leasesWaitedOut;
	}

	void acknowledged(String holder) {
		this.received.add(holder);
		check();
	}

	Mono<Void> await(InvalidationNotices.Holders holders) {
		Set<String> others = new HashSet<>(holders.leaseLeft().keySet());
		others.remove(this.writerId);
		long longest = others.stream().mapToLong(holders.leaseLeft()::get).max().orElse(0);
		this.expected = others;
		check();
		Mono<Void> holdersDone = this.all.asMono()
			.or(Mono.delay(Duration.ofMillis(longest + 1)).then(Mono.fromRunnable(this::countWaitedOut)));
		Mono<Void> unknownDone = (holders.unknownFor() > 0)
				? Mono.delay(Duration.ofMillis(holders.unknownFor() + 1)).then() : Mono.empty();
		return Mono.when(holdersDone, unknownDone);
	}

	private void countWaitedOut() {
		Set<String> missing = new HashSet<>(this.expected);
		missing.removeAll(this.received);
		if (!missing.isEmpty()) {
			this.leasesWaitedOut.increment(missing.size());
		}
	}

	private void check() {
		Set<String> waitingFor = this.expected;
		if (waitingFor != null && this.received.containsAll(waitingFor)) {
			this.all.tryEmitEmpty();
		}
	}

}
