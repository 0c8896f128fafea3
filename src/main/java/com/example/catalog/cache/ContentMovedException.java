package com.example.catalog.cache;

import java.util.Set;

/**
 * A load found that its response depends on scopes whose counters the request did not
 * read: it cannot be stored under the request's stamp, since a write to one of those
 * scopes during the load would go unnoticed. The request looks up again, reading them.
 */
final class ContentMovedException extends RuntimeException {

	ContentMovedException(Set<String> scopes) {
		super("The loaded content depends on scopes this request did not read: " + scopes, null, false, false);
	}

}
