package com.example.catalog.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.channel.EventLoop;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * The event loop a request arrived on, and a {@link Scheduler} for each loop, so that
 * work which Redis or the database finished on a thread of theirs can go back to the
 * connection it is for.
 */
final class RequestEventLoops {

	private final Map<EventLoop, Scheduler> schedulers = new ConcurrentHashMap<>();

	/**
	 * The loop of the connection that carried {@code request}, or {@code null} when no
	 * server received it (a mock): there is no loop to go back to.
	 */
	static EventLoop of(ServerHttpRequest request) {
		try {
			return (ServerHttpRequestDecorator.getNativeRequest(request) instanceof Connection connection)
					? connection.channel().eventLoop() : null;
		}
		catch (IllegalStateException ex) {
			return null;
		}
	}

	Scheduler schedulerOf(EventLoop loop) {
		return this.schedulers.computeIfAbsent(loop, Schedulers::fromExecutor);
	}

}
