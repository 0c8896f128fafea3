package com.example.catalog.catalog;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * One keyset page of items; {@code nextCursor} is {@code null} on the last page.
 */
@Schema(additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record ItemPage(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<Item> items,
		@Schema(requiredMode = Schema.RequiredMode.REQUIRED, types = {
				"string", "null" },
				description = "Pass it as cursor for the next page; null on the last page") String nextCursor){

}
