package com.example.catalog.cache;

import java.util.Set;

/**
 * What a loader answers for a response that depends on scopes only its content can name
 * (see {@link CacheKey.Builder#dependsOnContent}): the body, written as JSON like any
 * loader's value, and the scopes it depends on besides those its key declared. A write
 * that bumps none of them, nor of the declared ones, leaves the response cached.
 *
 * @param body the value to write as JSON
 * @param scopes the scopes the body depends on
 */
public record ScopedBody(Object body, Set<String> scopes) {

	public ScopedBody {
		scopes = Set.copyOf(scopes);
	}

}
