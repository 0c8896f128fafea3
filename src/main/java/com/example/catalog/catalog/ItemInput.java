package com.example.catalog.catalog;

import java.util.Set;
import java.util.regex.Pattern;

import io.swagger.v3.oas.annotations.media.Schema;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.system.Problems;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/**
 * The writable fields of an item, validated. Parsed from the raw JSON tree rather than
 * bound to a type so that every problem names the field that caused it.
 */
@Schema(description = "The writable fields of an item; id, createdAt and version may be sent back as read and are "
		+ "ignored, any other field is a 400")
record ItemInput(
		@Schema(requiredMode = REQUIRED, maxLength = MAX_SKU_LENGTH,
				pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$") String sku,
		@Schema(requiredMode = REQUIRED, maxLength = MAX_NAME_LENGTH) String name,
		@Schema(maxLength = MAX_DESCRIPTION_LENGTH, description = "empty when omitted") String description,
		@Schema(requiredMode = REQUIRED, maxLength = MAX_CATEGORY_LENGTH) String category,
		@Schema(requiredMode = REQUIRED, minimum = "0", maximum = "1000000000") long priceCents) {

	static final int MAX_SKU_LENGTH = 64;

	static final int MAX_NAME_LENGTH = 200;

	static final int MAX_CATEGORY_LENGTH = 64;

	static final int MAX_DESCRIPTION_LENGTH = 8000;

	static final long MAX_PRICE_CENTS = 1_000_000_000L;

	private static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

	/** Fields a client may echo back from a representation it read; they are ignored. */
	private static final Set<String> READ_ONLY = Set.of("id", "createdAt", "version");

	private static final Set<String> WRITABLE = Set.of("sku", "name", "description", "category", "priceCents");

	static ItemInput parse(byte[] json, JsonMapper jsonMapper) {
		JsonNode root;
		try {
			root = jsonMapper.readTree(json);
		}
		catch (JacksonException ex) {
			throw Problems.badField(null, "the body is not valid JSON: " + ex.getOriginalMessage());
		}
		if (root == null || !root.isObject()) {
			throw Problems.badField(null, "the body must be a JSON object");
		}
		for (String property : root.propertyNames()) {
			if (!WRITABLE.contains(property) && !READ_ONLY.contains(property)) {
				throw Problems.badField(property,
						"unknown field; expected sku, name, description, category, priceCents");
			}
		}
		String sku = text(root, "sku", MAX_SKU_LENGTH, true);
		if (!SKU.matcher(sku).matches()) {
			throw Problems.badField("sku",
					"may hold only letters, digits, '.', '_' and '-', starting with a letter or digit");
		}
		String name = text(root, "name", MAX_NAME_LENGTH, true);
		String description = text(root, "description", MAX_DESCRIPTION_LENGTH, false);
		String category = text(root, "category", MAX_CATEGORY_LENGTH, true);
		return new ItemInput(sku, name, (description != null) ? description : "", category, price(root));
	}

	private static String text(JsonNode root, String field, int maxLength, boolean required) {
		JsonNode node = root.get(field);
		if (node == null || node.isNull()) {
			if (required) {
				throw Problems.badField(field, "is required");
			}
			return null;
		}
		if (!node.isString()) {
			throw Problems.badField(field, "must be a string");
		}
		String value = node.stringValue();
		if (required && value.isBlank()) {
			throw Problems.badField(field, "must not be blank");
		}
		if (value.length() > maxLength) {
			throw Problems.badField(field, "longer than " + maxLength + " characters");
		}
		boolean multiline = field.equals("description");
		if (value.codePoints().anyMatch((c) -> Character.isISOControl(c) && !(multiline && (c == '\n' || c == '\t')))) {
			throw Problems.badField(field, "contains a control character");
		}
		return value;
	}

	private static long price(JsonNode root) {
		JsonNode node = root.get("priceCents");
		if (node == null || node.isNull()) {
			throw Problems.badField("priceCents", "is required");
		}
		if (!node.isIntegralNumber() || !node.canConvertToLong()) {
			throw Problems.badField("priceCents", "must be a whole number of cents");
		}
		long value = node.longValue();
		if (value < 0 || value > MAX_PRICE_CENTS) {
			throw Problems.badField("priceCents", "out of range: must be from 0 to " + MAX_PRICE_CENTS);
		}
		return value;
	}

}
