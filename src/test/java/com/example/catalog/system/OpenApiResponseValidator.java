package com.example.catalog.system;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Checks a real response against the OpenAPI 3.1 document the service serves: the
 * operation and its status must be documented, every required header present and every
 * documented header valid, the content type one the document names, and the body valid
 * against its schema (JSON Schema 2020-12 in the OpenAPI 3.1 dialect, formats asserted,
 * references resolved within the document) or absent when the document says none.
 */
public final class OpenApiResponseValidator {

	/** Where the document is registered, for its references to resolve. */
	private static final String DOCUMENT = "https://catalog.invalid/v3/api-docs";

	private final JsonNode document;

	private final SchemaRegistry schemas;

	private final JsonMapper jsonMapper;

	public OpenApiResponseValidator(String documentJson, JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
		this.document = jsonMapper.readTree(documentJson);
		this.schemas = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(),
				(builder) -> builder.schemas(Map.of(DOCUMENT, documentJson))
					.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
	}

	/**
	 * What is wrong with the response, nothing when it is what the document says.
	 * @param method the request's method
	 * @param path the request's path, without the query
	 */
	public List<String> mismatches(String method, String path, int status, HttpHeaders headers, byte[] body) {
		List<String> mismatches = new ArrayList<>();
		JsonNode operation = operation(method, path);
		if (operation == null) {
			return List.of(method + " " + path + " is not documented");
		}
		JsonNode response = operation.path("responses").get(Integer.toString(status));
		if (response == null) {
			return List.of(method + " " + path + ": status " + status + " is not documented for "
					+ operation.path("operationId").asString());
		}
		response = resolve(response);
		for (Map.Entry<String, JsonNode> header : response.path("headers").properties()) {
			String value = headers.getFirst(header.getKey());
			if (value == null) {
				if (header.getValue().path("required").asBoolean(false)) {
					mismatches.add("required header " + header.getKey() + " is missing");
				}
				continue;
			}
			for (Error error : schemaAt(header.getValue().path("schema"))
				.validate(headerValue(value, header.getValue()))) {
				mismatches.add("header " + header.getKey() + " '" + value + "': " + error);
			}
		}
		JsonNode content = response.get("content");
		boolean hasBody = body != null && body.length > 0;
		if (content == null || content.isEmpty()) {
			if (hasBody) {
				mismatches.add("a body where the document says none: " + new String(body, StandardCharsets.UTF_8));
			}
			return mismatches;
		}
		MediaType contentType = headers.getContentType();
		JsonNode mediaType = null;
		for (Map.Entry<String, JsonNode> documented : content.properties()) {
			if (contentType != null
					&& MediaType.parseMediaType(documented.getKey()).equalsTypeAndSubtype(contentType)) {
				mediaType = documented.getValue();
			}
		}
		if (mediaType == null) {
			mismatches.add("content type " + contentType + " is not one of " + content.propertyNames());
			return mismatches;
		}
		if (!hasBody) {
			mismatches.add("no body where the document describes one");
			return mismatches;
		}
		JsonNode json;
		try {
			json = this.jsonMapper.readTree(body);
		}
		catch (JacksonException ex) {
			mismatches.add("the body is not JSON: " + ex.getOriginalMessage());
			return mismatches;
		}
		for (Error error : schemaAt(mediaType.path("schema")).validate(json)) {
			mismatches.add("body " + error + " in " + json);
		}
		return mismatches;
	}

	/** The operation documented for this method and concrete path, or {@code null}. */
	private JsonNode operation(String method, String path) {
		for (Map.Entry<String, JsonNode> documented : this.document.path("paths").properties()) {
			if (template(documented.getKey()).matcher(path).matches()) {
				return documented.getValue().get(method.toLowerCase(java.util.Locale.ROOT));
			}
		}
		return null;
	}

	private static Pattern template(String pathTemplate) {
		StringBuilder regex = new StringBuilder();
		for (String part : pathTemplate.split("(?=\\{)|(?<=\\})")) {
			regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
		}
		return Pattern.compile(regex.toString());
	}

	/** A header's value as the JSON its schema describes: a number or a string. */
	private JsonNode headerValue(String value, JsonNode header) {
		String type = header.path("schema").path("type").asString("string");
		if (type.equals("integer") && value.matches("-?\\d{1,18}")) {
			return JsonNodeFactory.instance.numberNode(Long.parseLong(value));
		}
		return JsonNodeFactory.instance.stringNode(value);
	}

	private JsonNode resolve(JsonNode node) {
		JsonNode ref = node.get("$ref");
		return (ref != null) ? this.document.at(ref.asString().substring(1)) : node;
	}

	/**
	 * A schema of the document, whose references resolve within the document: they are
	 * made absolute, as the schema is read apart from the document, under an address of
	 * its own.
	 */
	private Schema schemaAt(JsonNode schema) {
		return this.schemas.getSchema(SchemaLocation.of(DOCUMENT + "/checked"), absoluteReferences(schema.deepCopy()));
	}

	private static JsonNode absoluteReferences(JsonNode node) {
		if (node instanceof ObjectNode object) {
			JsonNode ref = object.get("$ref");
			if (ref != null && ref.isString() && ref.asString().startsWith("#")) {
				object.put("$ref", DOCUMENT + ref.asString());
			}
			object.properties().forEach((property) -> absoluteReferences(property.getValue()));
		}
		else if (node.isArray()) {
			node.forEach(OpenApiResponseValidator::absoluteReferences);
		}
		return node;
	}

	/**
	 * The operations of the document, as "METHOD path" (for a test to say which it
	 * covered).
	 */
	public List<String> operations() {
		List<String> operations = new ArrayList<>();
		for (Map.Entry<String, JsonNode> path : this.document.path("paths").properties()) {
			Iterator<String> methods = path.getValue().propertyNames().iterator();
			methods.forEachRemaining(
					(method) -> operations.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey()));
		}
		return operations;
	}

}
