package com.example.catalog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Instances of the whole service in this JVM, each on a port of its own, sharing
 * PostgreSQL and Redis (see {@link TestServers}) and one cache key prefix, the way
 * instances behind a load balancer do. Settings are the packaged application's unless a
 * test names them: production timeouts included.
 */
public final class ServiceInstances implements AutoCloseable {

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	private final List<String> baseUrls = new ArrayList<>();

	private final String keyPrefix = "inst-" + UUID.randomUUID().toString().substring(0, 8);

	/** Starts one more instance with these settings on top of the shared ones. */
	public String start(Map<String, Object> settings) {
		Map<String, Object> all = new HashMap<>(TestServers.serverProperties());
		all.put("server.port", "0");
		all.put("catalog.cache.key-prefix", this.keyPrefix);
		all.put("catalog.security.users.editor.password", "{noop}editor-secret");
		all.put("catalog.security.users.editor.roles", "EDITOR");
		all.put("catalog.security.users.alice.password", "{noop}alice-secret");
		all.put("catalog.security.users.alice.roles", "USER");
		all.putAll(settings);
		List<String> arguments = new ArrayList<>();
		all.forEach((name, value) -> arguments.add("--" + name + "=" + value));
		ConfigurableApplicationContext context = new SpringApplication(CatalogServiceApplication.class)
			.run(arguments.toArray(String[]::new));
		this.contexts.add(context);
		String base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
		this.baseUrls.add(base);
		return base;
	}

	public String keyPrefix() {
		return this.keyPrefix;
	}

	public List<String> baseUrls() {
		return List.copyOf(this.baseUrls);
	}

	public ConfigurableApplicationContext context(int index) {
		return this.contexts.get(index);
	}

	@Override
	public void close() {
		this.contexts.forEach(ConfigurableApplicationContext::close);
		this.contexts.clear();
		this.baseUrls.clear();
	}

}
