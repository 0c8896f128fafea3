package com.example.catalog.catalog;

import com.example.catalog.cache.CacheableRoute;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The catalog's public reads, which the cache may answer before they reach
 * {@link CatalogController}; the keys are the controller's own.
 */
@Configuration(proxyBeanMethods = false)
class CatalogRoutes {

	@Bean
	CacheableRoute catalogPageRoute() {
		return new CacheableRoute(CatalogPaths.PAGE, (request, pathVariables) -> CatalogController.pageKey(request));
	}

	@Bean
	CacheableRoute catalogItemRoute() {
		return new CacheableRoute(CatalogPaths.ITEM,
				(request, pathVariables) -> CatalogController.itemKey(request, pathVariables.get("id")));
	}

}
