package com.example.catalog.cache;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What travels on the channels of {@link InvalidationNotices}, as text: a write's notice
 * ({@code writer nonce counter...}, each counter URL-encoded so that none holds a space)
 * and a holder's acknowledgement ({@code nonce holder}).
 *
 * @param writerId the instance to acknowledge
 * @param nonce which write
 * @param counters the counters the write changed; none when every held stamp is to go
 */
record InvalidationNotice(String writerId, String nonce, List<String> counters) {

	/** More counters changed at once than a notice names: it names none. */
	private static final int MAX_COUNTERS_NAMED = 256;

	/** The notice of a write that changed {@code counters}. */
	static InvalidationNotice of(String writerId, String nonce, List<String> counters) {
		return new InvalidationNotice(writerId, nonce, (counters.size() <= MAX_COUNTERS_NAMED) ? counters : List.of());
	}

	/** Whether it drops every held stamp rather than those of its counters. */
	boolean dropsEverything() {
		return this.counters.isEmpty();
	}

	String text() {
		StringBuilder text = new StringBuilder(this.writerId).append(' ').append(this.nonce);
		this.counters.forEach((counter) -> text.append(' ').append(URLEncoder.encode(counter, StandardCharsets.UTF_8)));
		return text.toString();
	}

	/** The notice {@code text} holds; null when it holds none. */
	static InvalidationNotice parse(String text) {
		String[] parts = text.split(" ");
		if (parts.length < 2) {
			return null;
		}
		List<String> counters = new ArrayList<>(parts.length - 2);
		for (int i = 2; i < parts.length; i++) {
			counters.add(URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
		}
		return new InvalidationNotice(parts[0], parts[1], counters);
	}

	/** The acknowledgement {@code holderId} sends for this notice. */
	String acknowledgement(String holderId) {
		return this.nonce + " " + holderId;
	}

	/**
	 * A holder's acknowledgement of the write {@code nonce}. Read as the nonce first, the
	 * holder last, so that an instance of a release that echoed the whole notice is
	 * understood too.
	 */
	record Acknowledgement(String nonce, String holderId) {

		/** The acknowledgement {@code text} holds; null when it holds none. */
		static Acknowledgement parse(String text) {
			String[] parts = text.split(" ");
			return (parts.length < 2) ? null : new Acknowledgement(parts[0], parts[parts.length - 1]);
		}

	}

}
