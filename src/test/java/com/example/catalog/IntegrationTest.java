package com.example.catalog;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ContextConfiguration;

/**
 * A test of the whole application on a random port against real PostgreSQL and Redis (see
 * {@link TestServers}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "catalog.security.users.editor.password={noop}editor-secret",
				"catalog.security.users.editor.roles=EDITOR",
				"catalog.security.users.alice.password={noop}alice-secret", "catalog.security.users.alice.roles=USER",
				"catalog.security.users.bob.password={noop}bob-secret", "catalog.security.users.bob.roles=USER",
				"catalog.security.users.ops.password={noop}ops-secret", "catalog.security.users.ops.roles=OPS",
				// Generous: on a loaded test machine a slow Redis answer must not turn
				// into a bypass. ResponseCacheTest covers the timeouts themselves.
				"catalog.cache.redis-timeout=2s" })
@AutoConfigureWebTestClient
@ContextConfiguration(initializers = TestServers.Initializer.class)
@Import(TestServers.Containers.class)
public @interface IntegrationTest {

}
