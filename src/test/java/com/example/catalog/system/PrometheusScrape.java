package com.example.catalog.system;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * One scrape of {@code /actuator/prometheus}, parsed into its samples.
 */
record PrometheusScrape(List<Sample> samples) {

	private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

	static PrometheusScrape of(WebTestClient client) {
		String text = client.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		return parse(text);
	}

	static PrometheusScrape parse(String text) {
		List<Sample> samples = new ArrayList<>();
		for (String line : text.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			Matcher sample = SAMPLE.matcher(line.trim());
			if (!sample.matches()) {
				throw new IllegalArgumentException("Not a Prometheus sample: " + line);
			}
			Map<String, String> labels = new LinkedHashMap<>();
			if (sample.group(2) != null) {
				Matcher label = LABEL.matcher(sample.group(2));
				while (label.find()) {
					labels.put(label.group(1), label.group(2));
				}
			}
			samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3))));
		}
		return new PrometheusScrape(samples);
	}

	/**
	 * The samples of {@code name} that carry all of {@code labels} (name, value pairs).
	 */
	List<Sample> find(String name, String... labels) {
		return this.samples.stream().filter((sample) -> sample.name().equals(name)).filter((sample) -> {
			for (int i = 0; i < labels.length; i += 2) {
				if (!labels[i + 1].equals(sample.labels().get(labels[i]))) {
					return false;
				}
			}
			return true;
		}).toList();
	}

	/** The sum of the samples {@link #find} finds, 0 when there are none. */
	double value(String name, String... labels) {
		return find(name, labels).stream().mapToDouble(Sample::value).sum();
	}

	boolean hasNameStartingWith(String prefix) {
		return this.samples.stream().anyMatch((sample) -> sample.name().startsWith(prefix));
	}

	record Sample(String name, Map<String, String> labels, double value) {

	}

}
