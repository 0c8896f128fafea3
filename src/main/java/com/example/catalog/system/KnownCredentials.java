package com.example.catalog.system;

import java.util.List;

import com.example.catalog.cache.PublicRouteCredentials;

/**
 * The credentials Spring Security would accept again without a check, and whom they name:
 * a Basic login that passed ({@link RememberedBasicLogins}) or a bearer token that did
 * and has not expired ({@link RememberedBearerTokens}). Either is absent when its kind of
 * credentials is switched off.
 */
final class KnownCredentials implements PublicRouteCredentials {

	private final RememberedBasicLogins basic;

	private final RememberedBearerTokens bearer;

	KnownCredentials(RememberedBasicLogins basic, RememberedBearerTokens bearer) {
		this.basic = basic;
		this.bearer = bearer;
	}

	@Override
	public boolean knownValid(List<String> authorization) {
		return (this.bearer != null && this.bearer.knownValid(authorization))
				|| (this.basic != null && this.basic.usernameOf(authorization) != null);
	}

	/**
	 * The name Spring Security would give the principal of these credentials (the user
	 * name, the token's subject) when they are known valid and name one; else
	 * {@code null}.
	 */
	String principalOf(List<String> authorization) {
		String subject = (this.bearer != null) ? this.bearer.subjectOf(authorization) : null;
		if (subject != null) {
			return subject;
		}
		return (this.basic != null) ? this.basic.usernameOf(authorization) : null;
	}

}
