package com.example.catalog.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded, steady stream of GETs from a few worker threads, each request measured.
 * Workers take turns through the URLs and pause between requests; the stream ends after
 * {@code maxRequests} or when {@link #stop()} is called, whichever comes first.
 */
final class Load {

	private final List<Sample> samples = new ArrayList<>();

	private final ConcurrentLinkedQueue<Sample> collected = new ConcurrentLinkedQueue<>();

	private final AtomicInteger tickets = new AtomicInteger();

	private final CountDownLatch done;

	private final List<Thread> workers = new ArrayList<>();

	private volatile boolean stopped;

	private Load(Http http, List<String> urls, int workers, Duration pause, int maxRequests) {
		this.done = new CountDownLatch(workers);
		for (int w = 0; w < workers; w++) {
			Thread worker = new Thread(() -> {
				try {
					int ticket;
					while (!this.stopped && (ticket = this.tickets.getAndIncrement()) < maxRequests) {
						String url = urls.get(ticket % urls.size());
						this.collected.add(new Sample(url, System.nanoTime(), http.get(url)));
						LockSupport.parkNanos(pause.toNanos());
					}
				}
				finally {
					this.done.countDown();
				}
			}, "fault-load-" + w);
			worker.setDaemon(true);
			this.workers.add(worker);
		}
	}

	static Load start(Http http, List<String> urls, int workers, Duration pause, int maxRequests) {
		Load load = new Load(http, urls, workers, pause, maxRequests);
		load.workers.forEach(Thread::start);
		return load;
	}

	int completed() {
		return this.collected.size();
	}

	/** Waits (bounded) for the stream to end by itself. */
	List<Sample> await(Duration timeout) throws InterruptedException {
		if (!this.done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			this.stopped = true;
			throw new IllegalStateException("The load did not finish within " + timeout);
		}
		return samples();
	}

	/**
	 * Ends the stream; requests in flight finish first (bounded by the client timeout).
	 */
	List<Sample> stop() throws InterruptedException {
		this.stopped = true;
		if (!this.done.await(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("The load did not stop");
		}
		return samples();
	}

	private List<Sample> samples() {
		this.samples.clear();
		this.samples.addAll(this.collected);
		this.samples.sort(Comparator.comparingLong(Sample::startNanos));
		return this.samples;
	}

	/** The {@code percentile} (0-100) of the latencies, nearest rank, in milliseconds. */
	static double percentileMillis(List<Sample> samples, double percentile) {
		long[] nanos = samples.stream().mapToLong((sample) -> sample.response().nanos()).sorted().toArray();
		int rank = (int) Math.ceil(percentile / 100.0 * nanos.length);
		return nanos[Math.max(0, rank - 1)] / 1e6;
	}

	/** How many samples had each status and {@code Cache-Status}. */
	static Map<String, Integer> outcomes(List<Sample> samples) {
		Map<String, Integer> outcomes = new TreeMap<>();
		samples.forEach((sample) -> outcomes.merge(sample.response().status() + " " + sample.response().cacheStatus(),
				1, Integer::sum));
		return outcomes;
	}

	/** One request: what was asked, when it started, and its answer. */
	record Sample(String url, long startNanos, Http.Response response) {

	}

}
