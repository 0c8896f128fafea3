package com.example.catalog.catalog;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What {@code catalog.demo-data=true} fills an empty catalog with.
 *
 * @param items how many items
 * @param categories how many categories they are spread over: the first six are
 * {@code furniture}, {@code lighting}, {@code kitchen}, {@code garden}, {@code textiles}
 * and {@code decor}, the next ones these names with a number ({@code furniture-1}, ...)
 */
@Validated
@ConfigurationProperties("catalog.demo")
record DemoDataProperties(@DefaultValue("3000") @Min(1) @Max(10_000_000) int items,
		@DefaultValue("6") @Min(1) @Max(6_000) int categories) {

}
