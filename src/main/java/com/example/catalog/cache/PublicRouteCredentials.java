package com.example.catalog.cache;

import java.util.List;

/**
 * Which credentials {@link NearHitHttpHandler} may answer a public route's hit for
 * without Spring Security: those the security layer has already checked and would accept
 * again now, so that the full chain would answer the request exactly as it answers an
 * anonymous one. Every other request with credentials goes the full way, where wrong
 * credentials are a 401 even on a public route.
 */
@FunctionalInterface
public interface PublicRouteCredentials {

	/** Accepts none: every request with credentials goes the full way. */
	PublicRouteCredentials NONE = (authorization) -> false;

	/**
	 * @param authorization the request's {@code Authorization} header values (at least
	 * one)
	 * @return whether the full chain would accept them, now, without another check
	 */
	boolean knownValid(List<String> authorization);

}
