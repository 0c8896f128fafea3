package com.example.catalog.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * One change's increments: the counters it bumps, grouped by the cluster slot they live
 * in, each group with the change's marker in that slot (which makes a repeated increment
 * a no-op). The id names the change and its counters together.
 */
record CounterChange(String id, List<Slot> slots) {

	List<String> counters() {
		List<String> counters = new ArrayList<>();
		this.slots.forEach((slot) -> counters.addAll(slot.counters()));
		return counters;
	}

	boolean touchesAny(List<String> read) {
		for (Slot slot : this.slots) {
			for (String counter : slot.counters()) {
				if (read.contains(counter)) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * The counters of one cluster slot a change bumps, with the change's marker there.
	 */
	record Slot(String marker, List<String> counters) {

	}

}
