package com.example.catalog.system;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An identity provider for tests: keys generated here, its OpenID discovery document and
 * JWK set served over HTTP on a loopback port, and tokens minted and signed with them
 * (RS256 with the current RSA key, ES256 with a P-256 key). {@link #rotate()} replaces
 * the RSA key the way a provider rotates its keys: the set then holds only the new one.
 */
final class TestIdentityProvider implements AutoCloseable {

	static final String AUDIENCE = "catalog-api";

	private final HttpServer server;

	private final String issuer;

	private final ECKey ecKey;

	/** A key the provider never publishes, for tokens naming key ids it never had. */
	private final RSAKey strangerKey = newRsaKey();

	private final AtomicInteger jwkSetFetches = new AtomicInteger();

	private volatile RSAKey rsaKey;

	private TestIdentityProvider(HttpServer server) {
		this.server = server;
		this.issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/test";
		this.rsaKey = newRsaKey();
		this.ecKey = newEcKey();
		server.createContext("/realms/test/.well-known/openid-configuration",
				(exchange) -> respond(exchange, "{\"issuer\":\"" + this.issuer + "\",\"jwks_uri\":\"" + this.issuer
						+ "/certs\",\"id_token_signing_alg_values_supported\":[\"RS256\",\"ES256\"]}"));
		server.createContext("/realms/test/certs", (exchange) -> {
			this.jwkSetFetches.incrementAndGet();
			respond(exchange, new JWKSet(List.<JWK>of(this.rsaKey.toPublicJWK(), this.ecKey.toPublicJWK())).toString());
		});
		server.setExecutor(Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "test-identity-provider");
			thread.setDaemon(true);
			return thread;
		}));
		server.start();
	}

	static TestIdentityProvider start() {
		try {
			return new TestIdentityProvider(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	String issuer() {
		return this.issuer;
	}

	int jwkSetFetches() {
		return this.jwkSetFetches.get();
	}

	/** The provider signs with a new RSA key from now on; the old one leaves its set. */
	void rotate() {
		this.rsaKey = newRsaKey();
	}

	/** Claims a valid token has: this issuer, the audience, valid for five minutes. */
	JWTClaimsSet.Builder claims(String subject) {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder().issuer(this.issuer)
			.subject(subject)
			.audience(AUDIENCE)
			.issueTime(Date.from(now))
			.notBeforeTime(Date.from(now.minusSeconds(5)))
			.expirationTime(Date.from(now.plusSeconds(300)))
			.jwtID(UUID.randomUUID().toString());
	}

	/** An RS256 token for {@code subject} with these roles. */
	String token(String subject, String... roles) {
		return rs256(claims(subject).claim("roles", List.of(roles)).build());
	}

	/** An RS256 token with claims made by {@code claims} from the valid ones. */
	String token(String subject, Consumer<JWTClaimsSet.Builder> claims) {
		JWTClaimsSet.Builder builder = claims(subject);
		claims.accept(builder);
		return rs256(builder.build());
	}

	String rs256(JWTClaimsSet claims) {
		return sign(JWSAlgorithm.RS256, this.rsaKey.getKeyID(), claims, signer(this.rsaKey));
	}

	String es256(JWTClaimsSet claims) {
		return sign(JWSAlgorithm.ES256, this.ecKey.getKeyID(), claims, signer(this.ecKey));
	}

	/** Signed by a key the provider never published, under the current key's id. */
	String forged(JWTClaimsSet claims) {
		return sign(JWSAlgorithm.RS256, this.rsaKey.getKeyID(), claims, signer(newRsaKey()));
	}

	/**
	 * Signed by a key the provider never published, under a random key id it never had:
	 * what a flood of made-up tokens looks like.
	 */
	String withUnknownKeyId(JWTClaimsSet claims) {
		return sign(JWSAlgorithm.RS256, "unknown-" + UUID.randomUUID(), claims, signer(this.strangerKey));
	}

	/** An unsecured JWT ({@code "alg":"none"}), which no one signed. */
	static String unsigned(JWTClaimsSet claims) {
		return new PlainJWT(claims).serialize();
	}

	private static String sign(JWSAlgorithm algorithm, String keyId, JWTClaimsSet claims, JWSSigner signer) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(), claims);
			jwt.sign(signer);
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static JWSSigner signer(JWK key) {
		try {
			return (key instanceof RSAKey rsa) ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static RSAKey newRsaKey() {
		try {
			return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static ECKey newEcKey() {
		try {
			return new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void respond(HttpExchange exchange, String json) throws IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(200, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
