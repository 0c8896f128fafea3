package com.example.catalog.system;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.info.License;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.annotations.servers.Server;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import org.springdoc.core.customizers.OpenApiCustomizer;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.server.WebFilter;

/**
 * The OpenAPI description served at {@code /v3/api-docs} (Swagger UI at
 * {@code /swagger-ui.html}). The features annotate their operations; what holds for all
 * of them is said once here, so that the document stays true to what the service sends.
 */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(
		info = @Info(title = "Catalog service", version = "v1",
				description = "A catalog of items served from a Redis response cache. Every cacheable GET answers "
						+ "with ETag, Cache-Control and Cache-Status (RFC 9211); errors are application/problem+json "
						+ "(RFC 9457). Changes to an item honour If-Match: read the item, send its ETag back, and "
						+ "a change someone made meanwhile is a 412 instead of being overwritten.",
				license = @License(name = "Apache License 2.0", identifier = "Apache-2.0")),
		servers = @Server(url = "/", description = "The instance that serves this document"))
@SecurityScheme(name = OpenApiConfiguration.BASIC_AUTH, type = SecuritySchemeType.HTTP, scheme = "basic",
		description = "Accounts from catalog.security.users; changes need the EDITOR role")
@SecurityScheme(name = OpenApiConfiguration.BEARER_AUTH, type = SecuritySchemeType.HTTP, scheme = "bearer",
		bearerFormat = "JWT",
		description = "An access token of the identity provider at spring.security.oauth2.resourceserver.jwt.issuer-uri; "
				+ "changes need the EDITOR role or the catalog:write scope")
public class OpenApiConfiguration {

	public static final String BASIC_AUTH = "basicAuth";

	/** The name of the schema every error response has. */
	public static final String PROBLEM = "ProblemDetail";

	public static final String BEARER_AUTH = "bearerAuth";

	/**
	 * An RFC 9457 problem as the service writes it: {@code type} and {@code instance} are
	 * URI references ({@code instance} is the request's path, a relative reference), and
	 * the extension members say which input was wrong or that a change was saved.
	 */
	private static final String PROBLEM_SCHEMA = """
			{
			  "type": "object",
			  "description": "RFC 9457 problem details",
			  "required": ["title", "status"],
			  "properties": {
			    "type": {"type": "string", "format": "uri-reference",
			      "description": "about:blank, which an absent type means too (RFC 9457)"},
			    "title": {"type": "string"},
			    "status": {"type": "integer", "minimum": 400, "maximum": 599},
			    "detail": {"type": "string"},
			    "instance": {"type": "string", "format": "uri-reference",
			      "description": "The path of the request, a relative reference"},
			    "parameter": {"type": "string", "description": "The query or path parameter, or header, that was wrong"},
			    "field": {"type": "string", "description": "The field of the request body that was wrong"},
			    "saved": {"type": "boolean",
			      "description": "true on a 503 whose change is saved but not yet confirmed visible everywhere"}
			  },
			  "additionalProperties": true
			}""";

	/**
	 * What holds for every operation, said once rather than on each annotation:
	 * <ul>
	 * <li>every error response (4xx, 5xx) is a problem, with an example;</li>
	 * <li>a 204 or 304 has no body (springdoc would describe the handler's return
	 * type);</li>
	 * <li>an HTTP header's value is a string unless its annotation says otherwise;</li>
	 * <li>an operation that names no security requirement is public, and says so with an
	 * empty one.</li>
	 * </ul>
	 */
	@Bean
	OpenApiCustomizer operationsAreDescribedAsServed() {
		return (openApi) -> {
			if (openApi.getComponents() == null) {
				openApi.setComponents(new Components());
			}
			openApi.getComponents().addSchemas(PROBLEM, problemSchema());
			operations(openApi).forEach((operation) -> {
				if (operation.getSecurity() == null) {
					operation.setSecurity(List.of());
				}
				if (operation.getParameters() != null) {
					operation.getParameters().forEach(OpenApiConfiguration::stringUnlessTyped);
				}
				operation.getResponses().forEach((code, response) -> {
					if (response.getHeaders() != null) {
						response.getHeaders().values().forEach(OpenApiConfiguration::stringUnlessTyped);
					}
					if (code.equals("204") || code.equals("304")) {
						response.setContent(null);
					}
					else if (code.startsWith("4") || code.startsWith("5")) {
						describeAsProblem(code, response);
					}
				});
			});
		};
	}

	/** Every operation of the document. */
	public static Stream<Operation> operations(OpenAPI openApi) {
		return (openApi.getPaths() != null)
				? openApi.getPaths().values().stream().flatMap((path) -> path.readOperations().stream())
				: Stream.empty();
	}

	/**
	 * Gives a media type of an operation's request body ({@code status} null) or of one
	 * of its responses an example, for the features to document their bodies with.
	 */
	public static void example(OpenAPI openApi, String operationId, String status, Object example) {
		Operation operation = operations(openApi).filter((candidate) -> operationId.equals(candidate.getOperationId()))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No operation " + operationId + " to give an example"));
		Content content = (status != null) ? operation.getResponses().get(status).getContent()
				: operation.getRequestBody().getContent();
		content.values().forEach((mediaType) -> mediaType.setExample(example));
	}

	private static Schema<?> problemSchema() {
		try {
			return Json31.mapper().readValue(PROBLEM_SCHEMA, Schema.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("The problem schema is not valid JSON", ex);
		}
	}

	private static void stringUnlessTyped(Parameter parameter) {
		if (parameter.getSchema() == null && parameter.getContent() == null) {
			parameter.setSchema(stringSchema());
		}
	}

	private static void stringUnlessTyped(Header header) {
		if (header.getSchema() == null && header.getContent() == null) {
			header.setSchema(stringSchema());
		}
	}

	private static Schema<?> stringSchema() {
		Schema<String> schema = new Schema<>();
		schema.addType("string");
		return schema;
	}

	private static void describeAsProblem(String code, ApiResponse response) {
		Map<String, Object> example = new LinkedHashMap<>();
		HttpStatus status = HttpStatus.resolve(Integer.parseInt(code));
		example.put("type", "about:blank");
		example.put("title", (status != null) ? status.getReasonPhrase() : "Error");
		example.put("status", Integer.parseInt(code));
		example.put("detail", Objects.requireNonNullElse(response.getDescription(), ""));
		example.put("instance", "/catalog/items/42");
		response.setContent(new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE,
				new io.swagger.v3.oas.models.media.MediaType().schema(new Schema<>().$ref(PROBLEM)).example(example)));
	}

	/**
	 * Serves the OpenAPI documents off the event loop: springdoc hands them out under a
	 * lock, and requests that meet there would park an event-loop thread. Ordered after
	 * Spring Security, so only the handler moves.
	 */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	WebFilter openApiDocumentsOffTheEventLoop(@Value("${springdoc.api-docs.path:/v3/api-docs}") String path) {
		return (exchange, chain) -> exchange.getRequest().getPath().pathWithinApplication().value().startsWith(path)
				? chain.filter(exchange).subscribeOn(Schedulers.boundedElastic()) : chain.filter(exchange);
	}

}
