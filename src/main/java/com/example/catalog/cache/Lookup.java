package com.example.catalog.cache;

/**
 * What one flight found: the entry, and how the request that started the flight was
 * served.
 */
record Lookup(NearEntry near, CacheOutcome outcome) {

}
