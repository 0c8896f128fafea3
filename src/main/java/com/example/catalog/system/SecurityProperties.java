package com.example.catalog.system;

import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The accounts that may call the service. There is no built-in account: without any, only
 * the public reads work.
 *
 * @param users accounts by user name
 */
@Validated
@ConfigurationProperties("catalog.security")
public record SecurityProperties(@DefaultValue Map<String, @Valid Account> users) {

	/**
	 * @param password the password with Spring's {@code {id}} encoding prefix, for
	 * example {@code {noop}secret} or {@code {bcrypt}$2a$...}
	 * @param roles {@code EDITOR} (may change the catalog and purge the cache),
	 * {@code OPS} (may purge the cache) and/or {@code USER}
	 */
	public record Account(@NotBlank String password, @NotEmpty List<String> roles) {

	}

}
