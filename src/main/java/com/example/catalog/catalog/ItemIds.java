package com.example.catalog.catalog;

import com.example.catalog.system.Problems;

/**
 * Item ids as they appear in paths.
 */
public final class ItemIds {

	private ItemIds() {
	}

	public static long parse(String raw) {
		if (raw == null || !raw.matches("[0-9]{1,18}")) {
			throw Problems.badParameter("id", "must be a positive whole number");
		}
		long id = Long.parseLong(raw);
		if (id < 1) {
			throw Problems.badParameter("id", "must be a positive whole number");
		}
		return id;
	}

}
