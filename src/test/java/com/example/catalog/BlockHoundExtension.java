package com.example.catalog;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound before the first test class runs (registered for every test through
 * JUnit's extension auto-detection): a blocking call on a Reactor or Netty event loop
 * anywhere in the application then fails the request, and so the test, that made it.
 */
public class BlockHoundExtension implements BeforeAllCallback {

	static {
		BlockHound.install((builder) -> builder.allowBlockingCallsInside("java.util.UUID", "randomUUID")
			.allowBlockingCallsInside("java.security.SecureRandom", "nextBytes")
			// Spring's static-resource resolver reads jar entries (Swagger UI's webjar)
			// on the calling thread; it serves only the documentation UI, never the API.
			.allowBlockingCallsInside("org.springframework.web.reactive.resource.PathResourceResolver", "getResource")
			// Short in-memory locks around connection bookkeeping, not I/O; flagging them
			// would leave a dead waiter in the lock that hangs the context's shutdown.
			.allowBlockingCallsInside("org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory",
					"doInLock")
			.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
			.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "doExclusive")
			// Lettuce caches method lookups for a cluster node's first connection
			// under a lock.
			.allowBlockingCallsInside("io.lettuce.core.internal.AbstractInvocationHandler$MethodTranslator", "of")
			// Netty's adaptive buffer allocator briefly locks a magazine when it grows.
			.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
			.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
			// Spring Data Redis guards a script's cached SHA-1 with a lock on every call.
			.allowBlockingCallsInside("org.springframework.data.redis.core.script.DefaultRedisScript", "getSha1")
			// Resilience4j's breaker moves from open to half-open under a lock; when two
			// requests find the wait over at once, one waits for the other's transition.
			.allowBlockingCallsInside(
					"io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState",
					"toHalfOpenState"));
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		// Installed once, when this class was initialised.
	}

}
