package com.example.catalog.catalog;

import java.util.Arrays;
import java.util.stream.Collectors;

import com.example.catalog.system.Problems;

/**
 * The orders a listing can be sorted by. Every order is a keyset order: the sort key,
 * then the id, both in the same direction.
 */
enum ItemSort {

	ID("id", "id", false), NAME("name", "name", false), PRICE("price", "price_cents", false),
	PRICE_DESC("-price", "price_cents", true), CREATED_AT("createdAt", "created_at", false),
	CREATED_AT_DESC("-createdAt", "created_at", true);

	private final String parameter;

	private final String column;

	private final boolean descending;

	ItemSort(String parameter, String column, boolean descending) {
		this.parameter = parameter;
		this.column = column;
		this.descending = descending;
	}

	static ItemSort fromParameter(String value) {
		if (value == null) {
			return ID;
		}
		for (ItemSort sort : values()) {
			if (sort.parameter.equals(value)) {
				return sort;
			}
		}
		throw Problems.badParameter("sort", "must be one of "
				+ Arrays.stream(values()).map((sort) -> sort.parameter).collect(Collectors.joining(", ")));
	}

	String parameter() {
		return this.parameter;
	}

	String column() {
		return this.column;
	}

	boolean descending() {
		return this.descending;
	}

	boolean byIdOnly() {
		return this == ID;
	}

	boolean byPrice() {
		return this == PRICE || this == PRICE_DESC;
	}

	String orderBy() {
		return orderBy("");
	}

	/**
	 * The ORDER BY list with each column qualified by {@code prefix} (e.g. {@code "w."}).
	 */
	String orderBy(String prefix) {
		String direction = this.descending ? " DESC" : " ASC";
		return byIdOnly() ? prefix + "id" + direction
				: prefix + this.column + direction + ", " + prefix + "id" + direction;
	}

}
