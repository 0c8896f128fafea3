package com.example.catalog.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Identifies one cacheable response: the route, its path variables and its validated,
 * normalised query parameters, and for principal-scoped routes the principal. Built only
 * from values the handler has already parsed, so spelling differences in the raw request
 * cannot produce distinct entries. The Redis key carries a digest, so its length is
 * bounded whatever the input.
 */
public final class CacheKey {

	private final String route;

	private final CacheScope scope;

	private final String principalDigest;

	private final String digest;

	private final List<String> dependencies;

	private final List<String> contentDependenciesUntilLoaded;

	private CacheKey(String route, CacheScope scope, String principalDigest, String digest, List<String> dependencies,
			List<String> contentDependenciesUntilLoaded) {
		this.route = route;
		this.scope = scope;
		this.principalDigest = principalDigest;
		this.digest = digest;
		this.dependencies = dependencies;
		this.contentDependenciesUntilLoaded = contentDependenciesUntilLoaded;
	}

	public static Builder forPublicRoute(String route) {
		return new Builder(route, CacheScope.PUBLIC, null);
	}

	public static Builder forPrincipalRoute(String route, String principal) {
		return new Builder(route, CacheScope.PRINCIPAL, principalDigest(principal));
	}

	static final String PRINCIPAL_SCOPE_PREFIX = "principal:";

	static String principalDigest(String principal) {
		return digest("principal\n" + principal).substring(0, 32);
	}

	/**
	 * The invalidation scope of one principal's entries: what a change to that
	 * principal's data invalidates. Names only a digest, never the principal.
	 */
	public static String principalScope(String principal) {
		return PRINCIPAL_SCOPE_PREFIX + principalDigest(principal);
	}

	public CacheScope scope() {
		return this.scope;
	}

	String route() {
		return this.route;
	}

	String principalDigest() {
		return this.principalDigest;
	}

	String valueKey(String prefix) {
		return (this.principalDigest != null)
				? prefix + ":resp:" + this.route + ":" + this.principalDigest + ":" + this.digest
				: prefix + ":resp:" + this.route + ":" + this.digest;
	}

	/**
	 * The invalidation scopes this entry depends on (besides
	 * {@link Generations#EVERYTHING}): those its route declared and, for a
	 * principal-scoped entry, the principal's.
	 */
	List<String> dependencies() {
		return this.dependencies;
	}

	/**
	 * Whether the response also depends on scopes only its content can name (its loader
	 * answers a {@link ScopedBody}).
	 */
	boolean dependsOnContent() {
		return this.contentDependenciesUntilLoaded != null;
	}

	/**
	 * The scopes to assume the content depends on before any load of it has said: a
	 * guess, which a load that says otherwise corrects.
	 */
	List<String> contentDependenciesUntilLoaded() {
		return this.contentDependenciesUntilLoaded;
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof CacheKey that) && this.route.equals(that.route) && this.digest.equals(that.digest)
				&& Objects.equals(this.principalDigest, that.principalDigest);
	}

	@Override
	public int hashCode() {
		return this.digest.hashCode();
	}

	@Override
	public String toString() {
		return this.route + "/" + this.digest.substring(0, 12);
	}

	static String digest(String text) {
		try {
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", ex);
		}
	}

	public static final class Builder {

		private final String route;

		private final CacheScope scope;

		private final String principalDigest;

		private final Map<String, String> parts = new TreeMap<>();

		private final List<String> dependencies = new ArrayList<>();

		private List<String> contentDependenciesUntilLoaded;

		private Builder(String route, CacheScope scope, String principalDigest) {
			if (!route.matches("[a-z][a-z0-9.-]*")) {
				throw new IllegalArgumentException("Route names are short lowercase identifiers: " + route);
			}
			this.route = route;
			this.scope = scope;
			this.principalDigest = principalDigest;
		}

		/**
		 * Adds a normalised part of the request. A {@code null} value is left out, so an
		 * absent optional parameter and one equal to nothing make the same key.
		 */
		public Builder with(String name, Object value) {
			if (value != null) {
				this.parts.put(name, String.valueOf(value));
			}
			return this;
		}

		/**
		 * Declares that the response depends on {@code scope}: invalidating the scope
		 * makes this entry a miss. Scopes are the features' own names, such as an item or
		 * a category; a response should depend on every scope whose changes can change
		 * it, and on no other.
		 */
		public Builder dependsOn(String scope) {
			if (!this.dependencies.contains(scope)) {
				this.dependencies.add(scope);
			}
			return this;
		}

		/**
		 * Declares that the response also depends on scopes that only its content names:
		 * which items a listing shows, say, rather than which it could show. Its loader
		 * then answers a {@link ScopedBody} naming them, and the cache reads their
		 * counters before the next lookup of this response. Until a load of it has named
		 * them, the response is taken to depend on {@code untilLoaded}.
		 */
		public Builder dependsOnContent(String... untilLoaded) {
			this.contentDependenciesUntilLoaded = List.of(untilLoaded);
			return this;
		}

		public CacheKey build() {
			StringBuilder canonical = new StringBuilder(this.route).append('\n');
			if (this.principalDigest != null) {
				canonical.append("principal=").append(this.principalDigest).append('\n');
			}
			// Length-prefixed so that no value can forge the boundary between two parts.
			this.parts.forEach((name, value) -> canonical.append(name)
				.append('=')
				.append(value.length())
				.append(':')
				.append(value)
				.append('\n'));
			List<String> dependencies = new ArrayList<>(this.dependencies);
			if (this.principalDigest != null) {
				dependencies.add(PRINCIPAL_SCOPE_PREFIX + this.principalDigest);
			}
			return new CacheKey(this.route, this.scope, this.principalDigest, digest(canonical.toString()),
					List.copyOf(dependencies), this.contentDependenciesUntilLoaded);
		}

	}

}
