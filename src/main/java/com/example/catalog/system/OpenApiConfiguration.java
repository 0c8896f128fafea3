package com.example.catalog.system;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.security.SecurityScheme;

import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
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
public class OpenApiConfiguration {

	public static final String BASIC_AUTH = "basicAuth";

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
