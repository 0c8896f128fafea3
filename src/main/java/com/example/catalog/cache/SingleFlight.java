package com.example.catalog.cache;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;

/**
 * Concurrent requests for one key share one load: the first caller puts a
 * {@link Mono#cache() cached} load into the map, later callers subscribe to it. The entry
 * leaves the map as soon as the load terminates, so a value is never kept here beyond its
 * load and an error is never served to a caller that arrives later. Callers that cancel
 * do not cancel the load ({@code Mono.cache()} does not propagate their cancellation): it
 * runs on for the callers still waiting and for the next ones, bounded by the loader's
 * own timeout. The map is bounded: past {@code maxFlights} concurrent keys, callers load
 * on their own.
 */
final class SingleFlight<K, V> {

	private final ConcurrentMap<K, Mono<V>> flights = new ConcurrentHashMap<>();

	private final int maxFlights;

	SingleFlight(int maxFlights) {
		this.maxFlights = maxFlights;
	}

	Flight<V> join(K key, Supplier<Mono<V>> loader) {
		Mono<V> running = this.flights.get(key);
		if (running != null) {
			return new Flight<>(running, false);
		}
		if (this.flights.size() >= this.maxFlights) {
			return new Flight<>(Mono.defer(loader), true);
		}
		AtomicReference<Mono<V>> self = new AtomicReference<>();
		Mono<V> flight = Mono.defer(loader).doFinally((signal) -> this.flights.remove(key, self.get())).cache();
		self.set(flight);
		running = this.flights.putIfAbsent(key, flight);
		return (running != null) ? new Flight<>(running, false) : new Flight<>(flight, true);
	}

	int size() {
		return this.flights.size();
	}

	/**
	 * A load to subscribe to, and whether this caller started it.
	 */
	record Flight<V>(Mono<V> result, boolean leader) {

	}

}
