package com.example.catalog.system;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A request's query string, parsed strictly: every parameter must be known, appear once,
 * and carry a non-empty value free of control characters. Anything else is a 400 that
 * names the parameter, because two spellings of one query must never become two cache
 * entries and a parameter the service ignores would silently mean something else to the
 * caller.
 */
public final class QueryParameters {

	private static final int MAX_VALUE_LENGTH = 512;

	private final Map<String, String> values;

	private QueryParameters(Map<String, String> values) {
		this.values = values;
	}

	public static QueryParameters parse(String rawQuery, Set<String> allowed) {
		if (rawQuery == null || rawQuery.isEmpty()) {
			return new QueryParameters(Collections.emptyMap());
		}
		Map<String, String> values = new LinkedHashMap<>();
		for (String pair : rawQuery.split("&", -1)) {
			if (pair.isEmpty()) {
				continue;
			}
			int eq = pair.indexOf('=');
			String name = decode((eq < 0) ? pair : pair.substring(0, eq), "(name)");
			if (!allowed.contains(name)) {
				throw Problems.badParameter(printable(name),
						allowed.isEmpty() ? "unknown parameter; this resource takes none"
								: "unknown parameter; allowed are " + String.join(", ", allowed));
			}
			String value = (eq < 0) ? "" : decode(pair.substring(eq + 1), name);
			if (values.containsKey(name)) {
				throw Problems.badParameter(name, "given more than once");
			}
			if (value.isEmpty()) {
				throw Problems.badParameter(name, "must not be empty");
			}
			if (value.length() > MAX_VALUE_LENGTH) {
				throw Problems.badParameter(name, "longer than " + MAX_VALUE_LENGTH + " characters");
			}
			if (value.codePoints().anyMatch(Character::isISOControl)) {
				throw Problems.badParameter(name, "contains a control character");
			}
			values.put(name, value);
		}
		return new QueryParameters(values);
	}

	public String get(String name) {
		return this.values.get(name);
	}

	public Long getLong(String name, long min, long max) {
		String value = this.values.get(name);
		if (value == null) {
			return null;
		}
		if (!value.matches("\\+?[0-9]{1,19}")) {
			throw Problems.badParameter(name, "must be a whole number from " + min + " to " + max);
		}
		long number;
		try {
			number = Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			number = Long.MAX_VALUE;
		}
		if (number < min || number > max) {
			throw Problems.badParameter(name, "out of range: must be from " + min + " to " + max);
		}
		return number;
	}

	private static String decode(String raw, String parameter) {
		String decoded;
		try {
			decoded = URLDecoder.decode(raw, StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			throw Problems.badParameter(printable(raw), "malformed percent-encoding");
		}
		if (decoded.indexOf('\uFFFD') >= 0) {
			throw Problems.badParameter(parameter, "not valid UTF-8");
		}
		return decoded;
	}

	/** Parameter names are echoed in problems; keep what is echoed short and inert. */
	private static String printable(String name) {
		String shown = name.codePoints()
			.map((c) -> Character.isISOControl(c) ? '?' : c)
			.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
			.toString();
		return (shown.length() > 64) ? shown.substring(0, 64) + "…" : shown;
	}

}
