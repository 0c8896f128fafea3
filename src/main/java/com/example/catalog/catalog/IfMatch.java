package com.example.catalog.catalog;

import java.util.ArrayList;
import java.util.List;

import com.example.catalog.system.Problems;

import org.springframework.http.HttpHeaders;

/**
 * The {@code If-Match} header of a write (RFC 9110, section 13.1.1): {@code *} (the item
 * exists) or the entity tags of the versions the client is willing to change, compared
 * strongly, so a weak tag never matches.
 *
 * @param anyVersion whether it was {@code *}
 * @param entityTags the entity tags as sent (quoted, weak ones with {@code W/})
 */
record IfMatch(boolean anyVersion, List<String> entityTags) {

	static final String HEADER = HttpHeaders.IF_MATCH;

	/**
	 * The request's {@code If-Match}, or {@code null} when it has none.
	 * @throws org.springframework.web.ErrorResponseException a 400 when the header is
	 * malformed: a write must not proceed on a condition that could not be read
	 */
	static IfMatch of(HttpHeaders headers) {
		List<String> values = headers.get(HEADER);
		if (values == null || values.isEmpty()) {
			return null;
		}
		List<String> tags = new ArrayList<>();
		for (String value : values) {
			for (String element : value.split(",", -1)) {
				String tag = element.trim();
				if (!tag.isEmpty()) {
					tags.add(tag);
				}
			}
		}
		if (tags.equals(List.of("*"))) {
			return new IfMatch(true, List.of());
		}
		if (tags.isEmpty() || !tags.stream().allMatch(IfMatch::isEntityTag)) {
			throw Problems.badParameter(HEADER,
					"must be * or a comma-separated list of entity tags, such as the ETag of the item as read");
		}
		return new IfMatch(false, List.copyOf(tags));
	}

	/** Whether the condition holds for the version whose opaque tag is {@code tag}. */
	boolean matches(String tag) {
		return this.anyVersion || this.entityTags.stream().anyMatch((entityTag) -> ItemETag.names(entityTag, tag));
	}

	/** {@code [W/]"<etagc>*"} of RFC 9110. */
	private static boolean isEntityTag(String tag) {
		String opaque = tag.startsWith("W/") ? tag.substring(2) : tag;
		if (opaque.length() < 2 || opaque.charAt(0) != '"' || opaque.charAt(opaque.length() - 1) != '"') {
			return false;
		}
		return opaque.substring(1, opaque.length() - 1)
			.chars()
			.allMatch((c) -> c == 0x21 || (c >= 0x23 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF));
	}

}
