package com.example.catalog.catalog;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How changes to an item are accepted.
 *
 * @param requireIfMatch whether {@code PUT} and {@code DELETE} of an item must carry
 * {@code If-Match} (otherwise 428): on for deployments whose editors all use clients that
 * send it; off by default, so plain clients keep working
 */
@ConfigurationProperties("catalog.writes")
record WritesProperties(@DefaultValue("false") boolean requireIfMatch) {

}
