package com.example.catalog.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

/**
 * What each response that depends on its content (a listing on the items it shows, say)
 * was last found to depend on, so that a request reads those counters too before it looks
 * the response up.
 * <p>
 * A request cannot know what a response will show before it is loaded, and an entry may
 * be stored only under counters read before its load began, or a write made during the
 * load would go unnoticed. So the scopes are learned: a request reads the counters of the
 * scopes the last load named (or the key's guess), and a load whose content names a scope
 * outside those is not stored, but teaches the next lookup, which the request makes at
 * once (see {@link ContentMovedException}). A content that keeps its scopes is stored and
 * served like any other entry; the stamp names the scopes it covers, so that entries
 * stamped over different scopes never match.
 */
final class ContentDependencies {

	private final Cache<String, Reading> learned;

	ContentDependencies(int maxResponses, Duration forgetAfter) {
		this.learned = Caffeine.newBuilder().maximumSize(maxResponses).expireAfterAccess(forgetAfter).build();
	}

	/**
	 * The scopes a request for {@code key} reads: declared, and learned when it has any.
	 */
	Reading reading(CacheKey key, String valueKey) {
		if (!key.dependsOnContent()) {
			return new Reading(key.dependencies(), "");
		}
		Reading known = this.learned.getIfPresent(valueKey);
		return (known != null) ? known : Reading.of(key.dependencies(), key.contentDependenciesUntilLoaded());
	}

	/**
	 * {@code loader} for a request that read {@code stamp}: it fails with
	 * {@link ContentMovedException}, after learning its scopes, when the loaded content
	 * depends on scopes the stamp does not cover.
	 */
	Mono<?> confined(CacheKey key, String valueKey, Stamp stamp, Mono<?> loader) {
		if (!key.dependsOnContent()) {
			return loader;
		}
		return loader.map((value) -> {
			if (value instanceof ScopedBody scoped && !stamp.covered().containsAll(scoped.scopes())) {
				this.learned.put(valueKey, Reading.of(key.dependencies(), scoped.scopes()));
				throw new ContentMovedException(scoped.scopes());
			}
			return value;
		});
	}

	/**
	 * The scopes to read, declared first, then the content's in a stable order (so that
	 * equal sets share one coalesced read), and the tag that names the content's in the
	 * stamp.
	 */
	record Reading(List<String> scopes, String tag) {

		static Reading of(List<String> declared, Iterable<String> content) {
			Set<String> contentScopes = new TreeSet<>();
			content.forEach(contentScopes::add);
			contentScopes.removeAll(declared);
			List<String> scopes = new ArrayList<>(declared);
			scopes.addAll(contentScopes);
			return new Reading(List.copyOf(scopes), CacheKey.digest(String.join("\n", contentScopes)).substring(0, 12));
		}

		/**
		 * The stamp of the generations read, {@code value}: tagged with the content's
		 * scopes, so that stamps over different scopes never match.
		 */
		Stamp stamp(String value) {
			return new Stamp(this.tag.isEmpty() ? value : value + "~" + this.tag, this.scopes);
		}

	}

}
