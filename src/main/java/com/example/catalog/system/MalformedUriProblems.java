package com.example.catalog.system;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import reactor.netty.NettyPipeline;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Answers a request whose target is not a valid URI (a malformed percent-escape, say)
 * with a 400 problem like every other error. Left alone, Spring's Reactor adapter answers
 * it with an empty 400 before any handler or filter could.
 */
@Configuration(proxyBeanMethods = false)
class MalformedUriProblems {

	private static final byte[] PROBLEM = ("{\"type\":\"about:blank\",\"title\":\"Bad request\",\"status\":400,"
			+ "\"detail\":\"The request target is not a valid URI (check its percent-encoding)\"}")
		.getBytes(StandardCharsets.UTF_8);

	@Bean
	NettyServerCustomizer malformedUriProblemCustomizer() {
		return (server) -> server.doOnChannelInit((observer, channel, address) -> {
			if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
				channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, "malformedUriProblems", new Rejecter());
			}
		});
	}

	static final class Rejecter extends ChannelInboundHandlerAdapter {

		private boolean rejecting;

		@Override
		public void channelRead(ChannelHandlerContext context, Object message) {
			if (message instanceof HttpRequest request && !isValidUri(request.uri())) {
				this.rejecting = true;
				ReferenceCountUtil.release(message);
				FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
						HttpResponseStatus.BAD_REQUEST, Unpooled.wrappedBuffer(PROBLEM));
				response.headers()
					.set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
					.set(HttpHeaderNames.CONTENT_LENGTH, PROBLEM.length)
					.set(HttpHeaderNames.CONNECTION, "close");
				context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
				return;
			}
			if (this.rejecting) {
				// The rest of a rejected request; the connection is closing.
				ReferenceCountUtil.release(message);
				return;
			}
			context.fireChannelRead(message);
		}

		private static boolean isValidUri(String target) {
			try {
				new URI(target);
				return true;
			}
			catch (URISyntaxException ex) {
				return false;
			}
		}

	}

}
