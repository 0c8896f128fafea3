package com.example.catalog.system;

import java.util.Map;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import org.springdoc.core.customizers.OpenApiCustomizer;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.server.WebFilter;

/**
 * The OpenAPI description served at {@code /v3/api-docs} (Swagger UI at
 * {@code /swagger-ui.html}).
 */
@Configuration(proxyBeanMethods = false)
@OpenAPIDefinition(info = @Info(title = "Catalog service", version = "v1",
		description = "A catalog of items served from a Redis response cache. Every cacheable GET answers with ETag, "
				+ "Cache-Control and Cache-Status (RFC 9211); errors are application/problem+json (RFC 9457)."))
@SecurityScheme(name = OpenApiConfiguration.BASIC_AUTH, type = SecuritySchemeType.HTTP, scheme = "basic",
		description = "Accounts from catalog.security.users; changes need the EDITOR role")
@SecurityScheme(name = OpenApiConfiguration.BEARER_AUTH, type = SecuritySchemeType.HTTP, scheme = "bearer",
		bearerFormat = "JWT",
		description = "An access token of the identity provider at spring.security.oauth2.resourceserver.jwt.issuer-uri; "
				+ "changes need the EDITOR role or the catalog:write scope")
public class OpenApiConfiguration {

	public static final String BASIC_AUTH = "basicAuth";

	public static final String BEARER_AUTH = "bearerAuth";

	/**
	 * Every error response (4xx, 5xx) is an RFC 9457 problem. Said once here rather than
	 * on each {@code @ApiResponse}, which then gives only when the error happens. It
	 * replaces the content springdoc gives a response without any, which is the handler's
	 * success body.
	 */
	@Bean
	OpenApiCustomizer errorResponsesAreProblems() {
		return (openApi) -> {
			if (openApi.getComponents() == null) {
				openApi.setComponents(new Components());
			}
			Components components = openApi.getComponents();
			ModelConverters.getInstance(true)
				.readAll(new AnnotatedType(ProblemDetail.class))
				.forEach((name, schema) -> {
					if (components.getSchemas() == null || !components.getSchemas().containsKey(name)) {
						components.addSchemas(name, schema);
					}
				});
			if (openApi.getPaths() == null) {
				return;
			}
			openApi.getPaths()
				.values()
				.stream()
				.flatMap((path) -> path.readOperations().stream())
				.flatMap((operation) -> operation.getResponses().entrySet().stream())
				.filter((response) -> isError(response.getKey()))
				.map(Map.Entry::getValue)
				.forEach(OpenApiConfiguration::describeAsProblem);
		};
	}

	private static boolean isError(String responseCode) {
		return responseCode.startsWith("4") || responseCode.startsWith("5");
	}

	private static void describeAsProblem(ApiResponse response) {
		Schema<?> problem = new Schema<>().$ref("#/components/schemas/" + ProblemDetail.class.getSimpleName());
		response.setContent(new Content().addMediaType(MediaType.APPLICATION_PROBLEM_JSON_VALUE,
				new io.swagger.v3.oas.models.media.MediaType().schema(problem)));
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
