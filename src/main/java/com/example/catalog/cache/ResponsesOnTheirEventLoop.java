package com.example.catalog.cache;

import io.netty.channel.EventLoop;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

/**
 * Writes every response on its connection's event loop. A response is ready on the thread
 * that finished its work (Redis's or the database's connection thread); written from
 * there, Reactor Netty ends the exchange on the event loop only after the client may
 * already have received the response and sent its next request on the same keep-alive
 * connection, and holds that request back until then: measured, a quarter of back-to-back
 * hits and a third of back-to-back misses. Reactor Netty 1.3.6 can stop reading a
 * connection for good on that path (reactor/reactor-netty#4361, fixed in 1.3.8, which
 * needs a newer Netty than this build can have), and a hung client is the one failure
 * nobody sees in a log. Written on the event loop, the exchange has ended before the loop
 * reads again.
 * <p>
 * Outermost of the HTTP handler decorators, so it covers the {@link NearHitHttpHandler}
 * too.
 */
final class ResponsesOnTheirEventLoop implements HttpHandler {

	private final HttpHandler delegate;

	private final RequestEventLoops eventLoops;

	ResponsesOnTheirEventLoop(HttpHandler delegate, RequestEventLoops eventLoops) {
		this.delegate = delegate;
		this.eventLoops = eventLoops;
	}

	@Override
	public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
		EventLoop loop = RequestEventLoops.of(request);
		if (loop == null) {
			return this.delegate.handle(request, response);
		}
		return this.delegate.handle(request, new OnEventLoop(response, loop, this.eventLoops.schedulerOf(loop)));
	}

	/**
	 * A response whose writes continue on {@code loop}: at once when they start there,
	 * else handed over, body and completion included.
	 */
	private static final class OnEventLoop extends ServerHttpResponseDecorator {

		private final EventLoop loop;

		private final Scheduler scheduler;

		OnEventLoop(ServerHttpResponse delegate, EventLoop loop, Scheduler scheduler) {
			super(delegate);
			this.loop = loop;
			this.scheduler = scheduler;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			return Mono.defer(() -> this.loop.inEventLoop() ? super.writeWith(body)
					: super.writeWith((body instanceof Mono<? extends DataBuffer> single)
							? single.publishOn(this.scheduler) : Flux.from(body).publishOn(this.scheduler)));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return Mono.defer(() -> this.loop.inEventLoop() ? super.writeAndFlushWith(body)
					: super.writeAndFlushWith(Flux.from(body).publishOn(this.scheduler)));
		}

		@Override
		public Mono<Void> setComplete() {
			return Mono.defer(() -> this.loop.inEventLoop() ? super.setComplete()
					: super.setComplete().subscribeOn(this.scheduler));
		}

	}

}
