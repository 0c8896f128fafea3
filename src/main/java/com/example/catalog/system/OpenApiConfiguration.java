package com.example.catalog.system;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

import org.springframework.context.annotation.Configuration;

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
public class OpenApiConfiguration {

	public static final String BASIC_AUTH = "basicAuth";

}
