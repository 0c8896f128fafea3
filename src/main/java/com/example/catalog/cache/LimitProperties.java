package com.example.catalog.cache;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Per-client limits on what reaches the database. The defaults are far above what one
 * client of the compose demo, the acceptance checks or the benchmarks asks for (the
 * uncached benchmark loads about 450 pages a second from one address).
 *
 * @param enabled {@code false} turns the limits off
 * @param loadsPerSecond how fast a client's bucket refills: its sustained rate of loads
 * and writes
 * @param burst how many tokens a client's bucket holds: loads and writes it may make at
 * once after a quiet while
 */
@Validated
@ConfigurationProperties("catalog.limits")
public record LimitProperties(@DefaultValue("true") boolean enabled,
		@DefaultValue("1000") @DecimalMin("0.001") double loadsPerSecond, @DefaultValue("2000") @Min(1) long burst) {

}
