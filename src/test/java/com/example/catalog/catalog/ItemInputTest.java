package com.example.catalog.catalog;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static com.example.catalog.system.ProblemAssertions.assertBadField;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parsing an item's writable fields from a request body: every problem names the field.
 */
class ItemInputTest {

	private static final JsonMapper json = JsonMapper.builder().build();

	@Test
	void aValidBodyParses() {
		assertThat(
				parse("""
						{"sku":"A-1.b_2","name":"Lamp","description":"Line one\\n\\tLine two","category":"home","priceCents":1299}"""))
			.isEqualTo(new ItemInput("A-1.b_2", "Lamp", "Line one\n\tLine two", "home", 1299));
	}

	@Test
	void descriptionIsOptionalAndReadOnlyFieldsAreIgnored() {
		assertThat(parse("""
				{"id":7,"createdAt":"2026-01-01T00:00:00Z","sku":"A","name":"N","category":"c","priceCents":0}"""))
			.isEqualTo(new ItemInput("A", "N", "", "c", 0));
		assertThat(parse("""
				{"sku":"A","name":"N","description":null,"category":"c","priceCents":0}""").description()).isEmpty();
	}

	@Test
	void priceIsAWholeNumberOfCentsFromZeroToOneBillion() {
		assertThat(parse(body("priceCents", "1000000000")).priceCents()).isEqualTo(1_000_000_000L);
		for (String price : new String[] { "-1", "1000000001", "12.5", "\"100\"", "null", "true",
				"99999999999999999999" }) {
			assertBadField(() -> parse(body("priceCents", price)), "priceCents");
		}
	}

	@Test
	void requiredTextFieldsMustBePresentNonBlankStrings() {
		for (String field : new String[] { "sku", "name", "category" }) {
			for (String value : new String[] { "null", "\"\"", "\"  \"", "1", "[]" }) {
				assertBadField(() -> parse(body(field, value)), field);
			}
			assertBadField(() -> parse(without(field)), field);
		}
		assertBadField(() -> parse(without("priceCents")), "priceCents");
	}

	@Test
	void textFieldsAreBoundedInLength() {
		assertThat(parse(body("name", "\"" + "n".repeat(200) + "\"")).name()).hasSize(200);
		assertBadField(() -> parse(body("name", "\"" + "n".repeat(201) + "\"")), "name");
		assertBadField(() -> parse(body("sku", "\"" + "s".repeat(65) + "\"")), "sku");
		assertBadField(() -> parse(body("category", "\"" + "c".repeat(65) + "\"")), "category");
		assertBadField(() -> parse(body("description", "\"" + "d".repeat(8001) + "\"")), "description");
	}

	@Test
	void controlCharactersAreRejectedExceptNewlinesAndTabsInTheDescription() {
		assertBadField(() -> parse(body("name", "\"a\\nb\"")), "name");
		assertBadField(() -> parse(body("category", "\"a\\u0000b\"")), "category");
		assertBadField(() -> parse(body("description", "\"a\\u001bb\"")), "description");
	}

	@Test
	void skuIsLettersDigitsDotsUnderscoresAndDashesStartingWithALetterOrDigit() {
		for (String sku : new String[] { "-A", ".A", "A B", "A/B", "Ä" }) {
			assertBadField(() -> parse(body("sku", "\"" + sku + "\"")), "sku");
		}
	}

	@Test
	void anUnknownFieldIsRejectedByName() {
		assertBadField(() -> parse(body("colour", "\"red\"")), "colour");
	}

	@Test
	void aBodyThatIsNotAJsonObjectIsRejectedWithoutAField() {
		for (String body : new String[] { "[]", "\"text\"", "{", "", "null" }) {
			assertBadField(() -> parse(body), null);
		}
	}

	private static ItemInput parse(String body) {
		return ItemInput.parse(body.getBytes(StandardCharsets.UTF_8), json);
	}

	/**
	 * A valid body with one field set to {@code jsonValue} (added if it is not there).
	 */
	private static String body(String field, String jsonValue) {
		Map<String, String> fields = valid();
		fields.put(field, jsonValue);
		return render(fields);
	}

	private static String without(String field) {
		Map<String, String> fields = valid();
		fields.remove(field);
		return render(fields);
	}

	private static Map<String, String> valid() {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("sku", "\"A\"");
		fields.put("name", "\"N\"");
		fields.put("description", "\"D\"");
		fields.put("category", "\"c\"");
		fields.put("priceCents", "1");
		return fields;
	}

	private static String render(Map<String, String> fields) {
		return fields.entrySet()
			.stream()
			.map((field) -> "\"" + field.getKey() + "\":" + field.getValue())
			.collect(Collectors.joining(",", "{", "}"));
	}

}
