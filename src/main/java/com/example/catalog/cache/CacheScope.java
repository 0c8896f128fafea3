package com.example.catalog.cache;

/**
 * Whether a cached response is the same for every caller or belongs to one principal.
 */
public enum CacheScope {

	PUBLIC, PRINCIPAL

}
