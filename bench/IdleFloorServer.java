import java.nio.file.Files;
import java.nio.file.Path;

import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

/**
 * The floor under the service's hit at low load: Reactor Netty, the server the service runs
 * on, answering every request with one file's bytes and nothing else. Run by
 * bench/idle-floor.sh with the service jar's own libraries, as a single-file source program:
 * {@code java -cp 'LIBS/*' bench/IdleFloorServer.java PORT FILE}.
 */
public class IdleFloorServer {

	public static void main(String[] args) throws Exception {
		byte[] body = Files.readAllBytes(Path.of(args[1]));
		HttpServer.create()
			.host("127.0.0.1")
			.port(Integer.parseInt(args[0]))
			.handle((request, response) -> response.header("Content-Type", "application/json")
				.header("Content-Length", Integer.toString(body.length))
				.sendByteArray(Mono.just(body)))
			.bindNow()
			.onDispose()
			.block();
	}

}
