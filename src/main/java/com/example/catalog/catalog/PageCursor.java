package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

import com.example.catalog.system.Problems;

/**
 * Where the next keyset page starts: the sort it belongs to, and the sort key and id of
 * the last item of the previous page. Opaque to clients (base64url), checked on the way
 * back in.
 */
record PageCursor(ItemSort sort, String key, long id) {

	private static final String VERSION = "c1";

	static PageCursor after(Item item, ItemSort sort) {
		String key = switch (sort) {
			case ID -> "";
			case NAME -> item.name();
			case PRICE, PRICE_DESC -> Long.toString(item.priceCents());
			case CREATED_AT, CREATED_AT_DESC -> Long.toString(epochMicros(item.createdAt()));
		};
		return new PageCursor(sort, key, item.id());
	}

	static PageCursor decode(String token, ItemSort expectedSort) {
		String text;
		try {
			text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			throw invalid();
		}
		String[] parts = text.split("\n", 4);
		if (parts.length != 4 || !parts[0].equals(VERSION)) {
			throw invalid();
		}
		if (!parts[1].equals(expectedSort.parameter())) {
			throw Problems.badParameter("cursor", "belongs to sort '" + parts[1] + "', not '" + expectedSort.parameter()
					+ "'; start again without a cursor");
		}
		try {
			long id = Long.parseLong(parts[2]);
			String key = parts[3];
			switch (expectedSort) {
				case PRICE, PRICE_DESC, CREATED_AT, CREATED_AT_DESC -> Long.parseLong(key);
				default -> {
				}
			}
			return new PageCursor(expectedSort, key, id);
		}
		catch (NumberFormatException ex) {
			throw invalid();
		}
	}

	String encode() {
		String text = VERSION + "\n" + this.sort.parameter() + "\n" + this.id + "\n" + this.key;
		return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	Object keyValue() {
		return switch (this.sort) {
			case ID -> this.id;
			case NAME -> this.key;
			case PRICE, PRICE_DESC -> Long.parseLong(this.key);
			case CREATED_AT, CREATED_AT_DESC -> fromEpochMicros(Long.parseLong(this.key));
		};
	}

	private static long epochMicros(Instant instant) {
		return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
	}

	private static java.time.OffsetDateTime fromEpochMicros(long micros) {
		return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).atOffset(java.time.ZoneOffset.UTC);
	}

	private static RuntimeException invalid() {
		return Problems.badParameter("cursor",
				"not a cursor this service issued; take nextCursor from a previous page");
	}

}
