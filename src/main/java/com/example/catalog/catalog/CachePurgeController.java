package com.example.catalog.catalog;

import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.example.catalog.cache.CacheKey;
import com.example.catalog.cache.ResponseCache;
import com.example.catalog.system.ApiDocs;
import com.example.catalog.system.JsonRequestBody;
import com.example.catalog.system.OpenApiConfiguration;
import com.example.catalog.system.Problems;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Lets an operator invalidate cached pages by hand: after fixing data in a way the change
 * feed cannot see (a restore, a change with triggers disabled), or to start over.
 */
@RestController
@Tag(name = "operations", description = "Cache administration (EDITOR or OPS)")
class CachePurgeController {

	static final String PATH = "/admin/cache/purge";

	private static final Log logger = LogFactory.getLog(CachePurgeController.class);

	private static final Set<String> FIELDS = Set.of("everything", "items", "categories", "listings", "favorites",
			"principals");

	private final ResponseCache cache;

	private final JsonMapper jsonMapper;

	private final Counter everything;

	private final Counter named;

	CachePurgeController(ResponseCache cache, JsonMapper jsonMapper, MeterRegistry registry) {
		this.cache = cache;
		this.jsonMapper = jsonMapper;
		this.everything = purges(registry, "everything");
		this.named = purges(registry, "named");
	}

	private static Counter purges(MeterRegistry registry, String what) {
		return Counter.builder("catalog.cache.purges")
			.description("Cache purges asked for through " + PATH)
			.tag("scope", what)
			.register(registry);
	}

	@PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	@Operation(operationId = "purgeCache", summary = "Invalidate cached pages on every instance",
			description = "Either {\"everything\": true}, or any of: items (ids), categories (names), listings "
					+ "(true: the listings without a category), favorites (true: every favourites page), "
					+ "principals (names: their favourites pages).",
			security = { @SecurityRequirement(name = OpenApiConfiguration.BASIC_AUTH),
					@SecurityRequirement(name = OpenApiConfiguration.BEARER_AUTH) },
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					content = @Content(schema = @Schema(implementation = PurgeRequest.class))))
	@ApiResponse(responseCode = "202", description = "Invalidated; the body names the scopes",
			content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
					schema = @Schema(implementation = Purged.class)))
	@ApiDocs.WriteResponses
	@ApiDocs.JsonBodyResponses
	Mono<ResponseEntity<Purged>> purge(@Parameter(hidden = true) ServerHttpRequest request,
			@Parameter(hidden = true) Principal principal) {
		return JsonRequestBody.read(request).map(this::scopes).flatMap((scopes) -> {
			boolean all = scopes.contains(ResponseCache.EVERYTHING);
			return this.cache.invalidate(scopes, "purge:" + UUID.randomUUID()).then(Mono.fromSupplier(() -> {
				(all ? this.everything : this.named).increment();
				logger.info(principal.getName() + " purged " + (all ? "every cached page" : scopes));
				return ResponseEntity.status(HttpStatus.ACCEPTED).body(new Purged(List.copyOf(scopes)));
			}));
		});
	}

	private Set<String> scopes(byte[] body) {
		JsonNode json;
		try {
			json = this.jsonMapper.readTree(body);
		}
		catch (JacksonException ex) {
			throw Problems.badField("body", "not valid JSON");
		}
		if (!json.isObject()) {
			throw Problems.badField("body", "must be a JSON object");
		}
		for (Map.Entry<String, JsonNode> field : json.properties()) {
			if (!FIELDS.contains(field.getKey())) {
				throw Problems.badField(field.getKey(), "unknown; expected any of " + FIELDS);
			}
		}
		Set<String> scopes = new LinkedHashSet<>();
		if (flag(json, "everything")) {
			scopes.add(ResponseCache.EVERYTHING);
		}
		for (JsonNode id : array(json, "items")) {
			if (!id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() < 1) {
				throw Problems.badField("items", "must hold item ids (positive integers)");
			}
			scopes.add(CatalogScopes.item(id.asLong()));
		}
		for (JsonNode category : array(json, "categories")) {
			if (!category.isString() || category.asString().isEmpty()
					|| category.asString().length() > ItemInput.MAX_CATEGORY_LENGTH) {
				throw Problems.badField("categories", "must hold category names");
			}
			scopes.add(CatalogScopes.category(category.asString()));
		}
		if (flag(json, "listings")) {
			scopes.add(CatalogScopes.LISTINGS);
			scopes.add(CatalogScopes.RANGED_LISTINGS);
		}
		if (flag(json, "favorites")) {
			scopes.add(CatalogScopes.FAVORITES);
		}
		for (JsonNode name : array(json, "principals")) {
			if (!name.isString() || name.asString().isEmpty()) {
				throw Problems.badField("principals", "must hold user names");
			}
			scopes.add(CacheKey.principalScope(name.asString()));
		}
		if (scopes.isEmpty()) {
			throw Problems.badField("body", "names nothing to invalidate; send {\"everything\": true} or scopes");
		}
		return scopes;
	}

	private static boolean flag(JsonNode json, String field) {
		JsonNode value = json.get(field);
		if (value == null) {
			return false;
		}
		if (!value.isBoolean()) {
			throw Problems.badField(field, "must be true or false");
		}
		return value.asBoolean();
	}

	private static List<JsonNode> array(JsonNode json, String field) {
		JsonNode value = json.get(field);
		if (value == null) {
			return List.of();
		}
		if (!value.isArray() || value.size() > 1000) {
			throw Problems.badField(field, "must be an array of at most 1000 values");
		}
		List<JsonNode> values = new ArrayList<>();
		value.forEach(values::add);
		return values;
	}

	/** What a purge invalidated, as the cache names the scopes. */
	record Purged(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<String> invalidated) {

	}

	/**
	 * The body of a purge as the OpenAPI document describes it; {@link #scopes} reads it
	 * field by field, so that a problem names the field.
	 */
	@Schema(description = "Either everything, or any of the others",
			additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
	record PurgeRequest(@Schema(description = "true: every cached page") Boolean everything,
			@Schema(description = "Item ids: their pages") List<Long> items,
			@Schema(description = "Category names: their listings") List<String> categories,
			@Schema(description = "true: the listings without a category") Boolean listings,
			@Schema(description = "true: every favourites page") Boolean favorites,
			@Schema(description = "User names: their favourites pages") List<String> principals) {

	}

}
