package com.example.catalog.faults;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generates malformed HTTP/1.1 requests from a seeded {@link Random}, so that a run can
 * be repeated exactly: garbage query parameters and path segments, every method on every
 * route, odd headers, and bodies that are not what the service expects. Every request
 * asks for {@code Connection: close} and frames its body correctly unless framing itself
 * is what is being tried.
 */
final class MalformedRequests {

	static final String ROUTE_LIST = "/catalog";

	private static final String[] PARAMETERS = { "category", "q", "minPrice", "maxPrice", "sort", "limit", "cursor" };

	private static final String[] UNKNOWN_PARAMETERS = { "colour", "Limit", "LIMIT", "limit%20", "limit[]", "%00",
			"a%3Db", "__proto__", "page", "offset", "category%00", "%E2%80%AE", "x".repeat(300), "%", "%zz", "+",
			"sort.", "_", "q;", "q%26limit" };

	private static final String[] VALUES = { "", "%", "%G", "%zz", "%4", "%E2%82", "%C0%AF", "%ED%A0%80", "%FF%FE",
			"%00", "%01", "%1F", "%7F", "%0D%0A", "%0A", "a%00b", "%09", "-1", "+", "+5", "++5", "0x10", "1e3", "1.5",
			"-0", "00000000000000000000000001", "NaN", "Infinity", "null", "true", "[]", "{}", "%F0%9F%92%A9",
			"%E2%80%AE", "%EF%BB%BF", "%2e%2e%2f", "'%20OR%201=1--", "%25", "%25%32%35", "%3Cscript%3E", "%5C", "%22",
			"*", "-price", "createdAt", "-id", "PRICE", "price%20", "id,name", "9223372036854775807",
			"9223372036854775808", "-9223372036854775808", "18446744073709551616", "1000", "1001", "0", "%2B100",
			"1%2C000", "%EF%BC%91", "e30=", "not-a-cursor", "AAAAAAAAAAAAAAAAAAAA", "eyJzIjoiaWQiLCJ2IjoxfQ" };

	private static final String[] ID_SEGMENTS = { "0", "-1", "1.0", "1e3", "abc", "%00", "%2F", "..", "%2e%2e", ".",
			"999999999999999999999", "9223372036854775807", "9223372036854775808", "+1", "%201", "%EF%BC%91", "1;a=b",
			"1%3B", "1%2F2", "%", "%zz", ";", "0x1", "1_000", "00000000000000000001", "1%00", "%F0%9F%92%A9", "null",
			"undefined", "NaN", "-0", "1e400", "%E2%80%AE1", "1 ", "Infinity", "999999999999999999" };

	private static final String[] PATHS = { "/", "//", "/catalog/", "/catalog//items", "/CATALOG", "/Catalog/Items/1",
			"/catalog/items", "/catalog/items/", "/catalog/items//1", "/catalog/items/1/extra", "/catalog;x=y",
			"/catalog%2Fitems%2F1", "/%2e%2e/%2e%2e/etc/passwd", "/catalog/../actuator/env", "/actuator/env",
			"/actuator/heapdump", "/actuator/beans", "/actuator/health/%00", "/actuator/health/../../catalog",
			"/actuator/prometheus", "/v3/api-docs", "/v3/api-docs/%00", "/swagger-ui.html", "/favicon.ico", "/me",
			"/me/favorites/", "/me/favorites/abc", "/me/favorites/%00", "/me/favorites/1/2", "*",
			"http://evil.example/catalog", "http://127.0.0.1/catalog?limit=0", "catalog", "/catalog%00", "/catalog%",
			"/catalog%zz", "/%C0%AE%C0%AE/", "/catalog/items/%F0%9F%92%A9", "/.env", "/WEB-INF/web.xml", "/catalog?",
			"/catalog?&", "/catalog?=", "/catalog?==", "/catalog?&&&&", "/catalog?#frag", "/catalog#frag",
			"/catalog/items/1#x", "/catalog?limit=5#x", "/catalog?" + "&".repeat(500), "/catalog?" + "a=1&".repeat(300),
			"/" + "a/".repeat(2000), "/catalog/items/" + "9".repeat(5000), "/catalog?q=" + "%41".repeat(3000) };

	private static final String[] METHODS = { "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
			"CONNECT", "PROPFIND", "FOO", "get", "G%54" };

	private final Random random;

	private final String auth;

	private final String category;

	private final long knownId;

	private final List<Case> cases = new ArrayList<>();

	/**
	 * @param seed the seed of the generator
	 * @param editorCredentials {@code user:password} of an editor (writes are tried with
	 * and without them)
	 * @param category a category of the fuzzer's own, for bodies that happen to be valid
	 * @param knownId an item of the fuzzer's own, which bodies may change
	 */
	MalformedRequests(long seed, String editorCredentials, String category, long knownId) {
		this.random = new Random(seed);
		this.auth = "Basic " + Base64.getEncoder().encodeToString(editorCredentials.getBytes(StandardCharsets.UTF_8));
		this.category = category;
		this.knownId = knownId;
	}

	/** A request, as bytes, with a description to report it by. */
	record Case(String description, byte[] bytes) {

		/** The request as text, control characters escaped, cut to a readable length. */
		String shown() {
			StringBuilder shown = new StringBuilder();
			String text = new String(this.bytes, StandardCharsets.ISO_8859_1);
			for (int i = 0; i < text.length() && shown.length() < 600; i++) {
				char c = text.charAt(i);
				if (c == '\r') {
					shown.append("\\r");
				}
				else if (c == '\n') {
					shown.append("\\n");
				}
				else if (c < 0x20 || c >= 0x7f) {
					shown.append(String.format("\\x%02x", (int) c));
				}
				else {
					shown.append(c);
				}
			}
			if (shown.length() >= 600) {
				shown.append("… (").append(this.bytes.length).append(" bytes)");
			}
			return shown.toString();
		}

	}

	List<Case> generate() {
		for (int i = 0; i < 320; i++) {
			queryGarbage();
		}
		for (int i = 0; i < 160; i++) {
			itemGarbage();
		}
		for (String path : PATHS) {
			add("path " + path, request(pick(new String[] { "GET", "GET", "HEAD", "POST" }), path, List.of(), null));
		}
		methodsOnEveryRoute();
		for (int i = 0; i < 170; i++) {
			oddHeaders();
		}
		framing();
		for (int i = 0; i < 230; i++) {
			body();
		}
		bigBodies();
		return this.cases;
	}

	private void queryGarbage() {
		StringBuilder query = new StringBuilder();
		int pairs = 1 + this.random.nextInt(5);
		for (int p = 0; p < pairs; p++) {
			if (p > 0) {
				query.append(pick(new String[] { "&", "&", "&", "&&", ";", "&=&" }));
			}
			String name = this.random.nextInt(4) == 0 ? pick(UNKNOWN_PARAMETERS) : pick(PARAMETERS);
			String value = value();
			switch (this.random.nextInt(8)) {
				case 0 -> query.append(name);
				case 1 -> query.append('=').append(value);
				case 2 -> query.append(name).append('=');
				case 3 -> query.append(name).append("==").append(value);
				default -> query.append(name).append('=').append(value);
			}
			if (this.random.nextInt(6) == 0) {
				// the same parameter again
				query.append('&').append(name).append('=').append(value());
			}
		}
		String path = ROUTE_LIST + "?" + query;
		add("query " + path, request(this.random.nextInt(10) == 0 ? "HEAD" : "GET", path, List.of(), null));
	}

	private void itemGarbage() {
		String id = this.random.nextInt(3) == 0 ? String.valueOf(this.knownId) : pick(ID_SEGMENTS);
		String path = "/catalog/items/" + id;
		if (this.random.nextInt(2) == 0) {
			path += "?" + (this.random.nextBoolean() ? pick(PARAMETERS) : pick(UNKNOWN_PARAMETERS)) + "=" + value();
		}
		add("item " + path, request("GET", path, List.of(), null));
	}

	private void methodsOnEveryRoute() {
		String[] routes = { "/catalog", "/catalog/items", "/catalog/items/" + this.knownId,
				"/catalog/items/999999999999999999", "/me/favorites", "/me/favorites/999999999999999999",
				"/actuator/health", "/actuator/prometheus", "/v3/api-docs", "/" };
		String[] auths = { null, this.auth, "Basic " + Base64.getEncoder().encodeToString("editor:wrong".getBytes()) };
		for (String route : routes) {
			for (String method : METHODS) {
				String credentials = auths[this.random.nextInt(auths.length)];
				List<String> headers = new ArrayList<>();
				if (credentials != null) {
					headers.add("Authorization: " + credentials);
				}
				String body = null;
				if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
					headers.add("Content-Type: application/json");
					body = this.random.nextBoolean() ? "{}" : "{\"sku\":1}";
				}
				// the method with a body, OPTIONS and TRACE with odd targets too
				add("method " + method + " " + route, request(method, route, headers, body));
			}
		}
		add("OPTIONS *", request("OPTIONS", "*", List.of(), null));
		add("TRACE with Max-Forwards", request("TRACE", "/catalog", List.of("Max-Forwards: 0"), null));
		add("CONNECT authority", request("CONNECT", "127.0.0.1:443", List.of(), null));
	}

	private void oddHeaders() {
		String[] targets = { "/catalog?category=" + this.category, "/catalog/items/" + this.knownId, "/catalog",
				"/me/favorites" };
		String target = pick(targets);
		List<String> headers = new ArrayList<>();
		String kind;
		switch (this.random.nextInt(12)) {
			case 0 -> {
				kind = "If-None-Match";
				headers.add("If-None-Match: " + pick(new String[] { "", "\"", "\"abc", "W/", "W/\"x\"", "*", "*, \"a\"",
						",,,", "\"a\"\"b\"", "\"".repeat(5000), "\"\u00e9\u00ff\"", "\"" + "a".repeat(7000) + "\"",
						"W/W/\"x\"", "\"a\", W/", "null" }));
			}
			case 1 -> {
				kind = "Accept";
				headers.add("Accept: " + pick(new String[] { "", "garbage", "*/*;q=abc", "application/", "/json",
						"text/html", "application/xml", "application/json;q=0", "*/*;q=2", ";;;",
						"application/json, */*;q=0.5, garbage/;;", "\u00ff/\u00ff", "application/problem+json",
						"*/*;q=0", "application/json;charset=nope", "text/event-stream" }));
			}
			case 2 -> {
				kind = "Content-Type";
				headers.add("Content-Type: "
						+ pick(new String[] { "", "garbage", "application/", ";;;", "application/json; charset=nope",
								"multipart/form-data; boundary=", "text/plain", "application/json;;;", "\u00ff" }));
			}
			case 3 -> {
				kind = "Accept-Encoding";
				headers.add("Accept-Encoding: " + pick(new String[] { "gzip;q=abc", "br", "*;q=0", "identity;q=0",
						"gzip, gzip", "gzip;q=0", "identity;q=0, *;q=0", "x-garbage", ",,,", "gzip;q=1.5" }));
			}
			case 4 -> {
				kind = "Authorization";
				headers.add("Authorization: " + pick(new String[] { "Basic", "Basic ", "Basic !!!",
						"Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes()),
						"Basic " + Base64.getEncoder().encodeToString(":".getBytes()),
						"Basic " + Base64.getEncoder().encodeToString(new byte[] { (byte) 0xff, ':', (byte) 0xfe }),
						"Bearer x", "Basic " + "A".repeat(6000), "Digest x", "basic Zm9vOmJhcg==", "Basic ====",
						"Basic Zm9vOmJhcg", "Basic \u00e9" }));
			}
			case 5 -> {
				kind = "Host";
				headers.add("Host: " + pick(new String[] { "", "[::1", "exa mple", "a:b:c", ":", "%00", "h".repeat(300),
						"127.0.0.1:99999", "127.0.0.1:-1", "@", "a@b", "[zz]", "\u00e9" }));
			}
			case 6 -> {
				kind = "Range";
				headers.add("Range: " + pick(new String[] { "bytes=abc", "bytes=0-1", "bytes=-1", "bytes=5-1",
						"bytes=0-0,0-0,0-0", "items=0-1" }));
			}
			case 7 -> {
				kind = "Forwarded";
				headers.add(pick(new String[] { "Forwarded: for=garbage;proto=ftp;host=[", "X-Forwarded-Host: [::",
						"X-Forwarded-Proto: garbage", "X-Forwarded-Port: abc", "X-Forwarded-Prefix: /../..",
						"Forwarded: ;;;" }));
			}
			case 8 -> {
				kind = "header syntax";
				headers.add(pick(new String[] { "X Bad: 1", ": novalue", "X-\u0001: 1", "Garbage", "X-A:\u0000b",
						"X-Long: " + "v".repeat(20000), "X-Obs: \u00e9\u00ff\u0080", " X-Leading-Space: 1",
						"X-Tab:\tvalue", "X-Empty:" }));
			}
			case 9 -> {
				kind = "many headers";
				int count = 50 + this.random.nextInt(250);
				for (int i = 0; i < count; i++) {
					headers.add("X-H" + i + ": " + i);
				}
			}
			case 10 -> {
				kind = "Cookie/Expect";
				headers.add(pick(new String[] { "Cookie: a", "Cookie: =;=;", "Cookie: " + "c=1; ".repeat(1000),
						"Expect: garbage", "Expect: 100-continue", "Upgrade: h2c",
						"Connection: Upgrade, HTTP2-Settings", "Upgrade: websocket" }));
			}
			default -> {
				kind = "Idempotency-Key";
				target = "/catalog/items";
				headers.add("Authorization: " + this.auth);
				headers.add("Content-Type: application/json");
				String key = pick(new String[] { "", " ", "a b", "k".repeat(201), "\u00e9", "\u0001", "k\tk" });
				headers.add("Idempotency-Key: " + key);
				if (this.random.nextBoolean()) {
					headers.add("Idempotency-Key: second");
				}
				String body = "{\"sku\":\"fuzz-ik-" + this.random.nextInt(1_000_000)
						+ "\",\"name\":\"n\",\"category\":\"" + this.category + "\",\"priceCents\":1}";
				add("header Idempotency-Key", request("POST", target, headers, body));
				return;
			}
		}
		add("header " + kind + " on " + target, request("GET", target, headers, null));
	}

	/** Requests whose framing is wrong; each is refused at once, none waits for bytes. */
	private void framing() {
		String get = "GET /catalog HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
		String post = "POST /catalog/items HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: "
				+ this.auth + "\r\nContent-Type: application/json\r\n";
		String[] raw = { get + "Content-Length: abc\r\n\r\n", get + "Content-Length: -1\r\n\r\n",
				get + "Content-Length: 99999999999999999999\r\n\r\n", get + "Content-Length: 1, 2\r\n\r\n",
				post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
				post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", post + "Transfer-Encoding: gzip\r\n\r\n",
				post + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
				post + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
				post + "Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n",
				post + "Transfer-Encoding: chunked\r\n\r\n" + "f".repeat(40) + "\r\n\r\n",
				"GET /catalog HTTP/1.1\r\n\r\n", "GET /catalog HTTP/1.0\r\nConnection: close\r\n\r\n",
				"GET /catalog HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog FOO/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", "GET /catalog\r\n\r\n",
				"GET  /catalog  HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog?q=a b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog?q=a\tb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog?q=a\u0001b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog?q=a\u007fb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog?q=\u00e9\u00ff HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog/items/\u00e9 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog?q=a\rb HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog HTTP/1.1\nHost: localhost\nConnection: close\n\n",
				"GET /catalog HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Fold: a\r\n b\r\n\r\n",
				"\r\n\r\nGET /catalog HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"GET /catalog HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
				"GET " + "/catalog?q=" + "a".repeat(9000) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
				"\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n",
				"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" };
		for (String request : raw) {
			add("framing", request.getBytes(StandardCharsets.ISO_8859_1));
		}
	}

	private void body() {
		String method;
		String target;
		if (this.random.nextInt(4) == 0) {
			method = "PUT";
			target = "/catalog/items/" + (this.random.nextInt(5) == 0 ? this.knownId : 999999999999999999L);
		}
		else {
			method = "POST";
			target = "/catalog/items";
		}
		List<String> headers = new ArrayList<>();
		if (this.random.nextInt(12) != 0) {
			headers.add("Authorization: " + this.auth);
		}
		if (this.random.nextInt(15) != 0) {
			headers.add("Content-Type: " + (this.random.nextInt(10) == 0
					? pick(new String[] { "application/vnd.x+json", "application/json; charset=utf-16",
							"application/json; charset=nope", "text/json", "application/json-patch+json" })
					: "application/json"));
		}
		String kind;
		byte[] body;
		switch (this.random.nextInt(7)) {
			case 0 -> {
				kind = "invalid JSON";
				body = bytes(pick(new String[] { "", "{", "}", "[", "]", "{\"sku\":}", "{\"sku\" \"a\"}", "nul", "tru",
						"{'sku':'a'}", "{\"sku\":\"a\",}", "{\"sku\":\"a\"} x", "\u0000", "\ufeff{}", "/* c */ {}",
						"NaN", "{\"priceCents\":NaN}", "{\"priceCents\":Infinity}", "{\"priceCents\":01}",
						"{\"name\":\"\\uZZZZ\"}", "{\"name\":\"\\x41\"}", "{\"a\":1}{\"b\":2}", "\"string\"", "42",
						"null", "[]", "[{}]", "{\"sku\":\"a\"" + ",\"x\":1".repeat(10), "{\"\":\"\"}",
						"{\"sku\":\"a\",\"sku\":\"b\",\"name\":\"n\",\"category\":\"c\",\"priceCents\":1}" }));
			}
			case 1 -> {
				kind = "wrong types";
				String field = pick(
						new String[] { "sku", "name", "description", "category", "priceCents", "id", "createdAt" });
				String value = pick(new String[] { "123", "true", "null", "[]", "{}", "\"1000\"", "1.5", "1e2", "-5",
						"1e400", "99999999999999999999999999999", "-0", "0.0", "\"\"", "\" \"", "[\"a\"]", "{\"a\":1}",
						"1000000001", "-9223372036854775808", "9223372036854775807" });
				body = bytes(validBodyWith(field, value));
			}
			case 2 -> {
				kind = "deep nesting";
				int depth = pick(new int[] { 100, 1000, 5000, 20000 });
				body = bytes(this.random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
						: validBodyWith(pick(new String[] { "name", "priceCents", "extra" }),
								"{\"a\":".repeat(depth) + "1" + "}".repeat(depth)));
			}
			case 3 -> {
				kind = "huge number";
				int digits = pick(new int[] { 20, 400, 1001, 5000, 60000 });
				body = bytes(validBodyWith("priceCents", (this.random.nextBoolean() ? "-" : "") + "9".repeat(digits)
						+ (this.random.nextBoolean() ? "" : ".5e99999")));
			}
			case 4 -> {
				kind = "unicode";
				String text = pick(new String[] { "\\u0000", "\\ud800", "\\udc00\\ud800", "\\ud83d\\udca9",
						"\u202e\u202d", "\u200b", "\\u001b[31m", "\ufffd", "\uffff", "e\u0301", "\u00e9".repeat(100),
						"\uD83D\uDCA9".repeat(60), "\\n", "\\t", "\\r", "\\u2028" });
				body = bytes(validBodyWith(pick(new String[] { "sku", "name", "description", "category" }),
						"\"" + text + "\""));
			}
			case 5 -> {
				kind = "invalid UTF-8";
				ByteArrayOutputStream out = new ByteArrayOutputStream();
				out.writeBytes(bytes("{\"sku\":\"fuzz-u" + this.random.nextInt(1_000_000) + "\",\"name\":\""));
				out.writeBytes(pick(new byte[][] { { (byte) 0xc3, 0x28 }, { (byte) 0xc0, (byte) 0xaf }, { (byte) 0xff },
						{ (byte) 0xed, (byte) 0xa0, (byte) 0x80 }, { (byte) 0xf8, (byte) 0x88 },
						{ (byte) 0xe2, (byte) 0x82 } }));
				out.writeBytes(bytes("\",\"category\":\"" + this.category + "\",\"priceCents\":1}"));
				body = out.toByteArray();
			}
			default -> {
				kind = "lengths";
				String field = pick(new String[] { "sku", "name", "description", "category" });
				int length = pick(new int[] { 0, 63, 64, 65, 199, 200, 201, 7999, 8000, 8001, 20000 });
				body = bytes(validBodyWith(field, "\"" + "a".repeat(length) + "\""));
			}
		}
		add("body " + kind + " " + method + " " + target, request(method, target, headers, body));
	}

	private void bigBodies() {
		for (int size : new int[] { 65535, 65536, 65537, 70000, 200000 }) {
			String json = "{\"sku\":\"big\",\"name\":\"n\",\"category\":\"c\",\"priceCents\":1,\"description\":\"";
			String padded = json + "d".repeat(Math.max(0, size - json.length() - 2)) + "\"}";
			List<String> headers = List.of("Authorization: " + this.auth, "Content-Type: application/json");
			add("body of " + size + " bytes", request("POST", "/catalog/items", headers, bytes(padded)));
			// and without a Content-Length: chunked
			add("chunked body of " + size + " bytes", chunked("/catalog/items", headers, bytes(padded)));
		}
	}

	private String validBodyWith(String field, String jsonValue) {
		StringBuilder body = new StringBuilder("{");
		String[][] fields = { { "sku", "\"fuzz-" + this.random.nextInt(1_000_000_000) + "\"" },
				{ "name", "\"Fuzz item\"" }, { "description", "\"d\"" }, { "category", "\"" + this.category + "\"" },
				{ "priceCents", "100" } };
		boolean replaced = false;
		for (String[] pair : fields) {
			if (body.length() > 1) {
				body.append(',');
			}
			if (pair[0].equals(field)) {
				body.append('"').append(field).append("\":").append(jsonValue);
				replaced = true;
			}
			else {
				body.append('"').append(pair[0]).append("\":").append(pair[1]);
			}
		}
		if (!replaced) {
			body.append(",\"").append(field).append("\":").append(jsonValue);
		}
		return body.append('}').toString();
	}

	private String value() {
		int kind = this.random.nextInt(10);
		if (kind < 6) {
			return pick(VALUES);
		}
		if (kind < 8) {
			// random printable garbage, percent signs and all
			StringBuilder garbage = new StringBuilder();
			int length = 1 + this.random.nextInt(20);
			for (int i = 0; i < length; i++) {
				char c = (char) (33 + this.random.nextInt(94));
				garbage.append((c == '#') ? '%' : c);
			}
			return garbage.toString();
		}
		if (kind < 9) {
			// random bytes, percent-encoded
			StringBuilder encoded = new StringBuilder();
			int length = 1 + this.random.nextInt(8);
			for (int i = 0; i < length; i++) {
				encoded.append(String.format("%%%02X", this.random.nextInt(256)));
			}
			return encoded.toString();
		}
		return "a".repeat(pick(new int[] { 511, 512, 513, 2000 }));
	}

	private byte[] request(String method, String target, List<String> headers, Object body) {
		byte[] payload = (body instanceof String text) ? bytes(text) : (byte[]) body;
		StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
		boolean host = headers.stream().anyMatch((header) -> header.regionMatches(true, 0, "Host:", 0, 5));
		if (!host) {
			head.append("Host: localhost\r\n");
		}
		headers.forEach((header) -> head.append(header).append("\r\n"));
		head.append("Connection: close\r\n");
		if (payload != null) {
			head.append("Content-Length: ").append(payload.length).append("\r\n");
		}
		head.append("\r\n");
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
		if (payload != null) {
			out.writeBytes(payload);
		}
		return out.toByteArray();
	}

	private byte[] chunked(String target, List<String> headers, byte[] payload) {
		StringBuilder head = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
		headers.forEach((header) -> head.append(header).append("\r\n"));
		head.append("Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
		for (int offset = 0; offset < payload.length; offset += 8192) {
			int length = Math.min(8192, payload.length - offset);
			out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.write(payload, offset, length);
			out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
		}
		out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
		return out.toByteArray();
	}

	private void add(String description, byte[] request) {
		this.cases.add(new Case(description, request));
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private String pick(String[] values) {
		return values[this.random.nextInt(values.length)];
	}

	private int pick(int[] values) {
		return values[this.random.nextInt(values.length)];
	}

	private byte[] pick(byte[][] values) {
		return values[this.random.nextInt(values.length)];
	}

}
