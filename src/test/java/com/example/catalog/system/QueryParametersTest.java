package com.example.catalog.system;

import java.util.Set;

import org.junit.jupiter.api.Test;

import static com.example.catalog.system.ProblemAssertions.assertBadParameter;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Strict query-string parsing: every parameter known, once, with a non-empty value free
 * of control characters; anything else a 400 naming the parameter.
 */
class QueryParametersTest {

	private static final Set<String> ALLOWED = Set.of("category", "q", "limit");

	@Test
	void noQueryHasNoParameters() {
		assertThat(QueryParameters.parse(null, ALLOWED).get("q")).isNull();
		assertThat(QueryParameters.parse("", ALLOWED).get("q")).isNull();
	}

	@Test
	void valuesArePercentDecodedAndEmptyPairsSkipped() {
		QueryParameters parameters = QueryParameters.parse("&q=a%20b%25c&&category=t%C3%A9&", ALLOWED);
		assertThat(parameters.get("q")).isEqualTo("a b%c");
		assertThat(parameters.get("category")).isEqualTo("té");
	}

	@Test
	void anUnknownParameterIsRejectedByName() {
		assertBadParameter(() -> QueryParameters.parse("colour=red", ALLOWED), "colour");
		assertBadParameter(() -> QueryParameters.parse("Limit=5", ALLOWED), "Limit");
		assertBadParameter(() -> QueryParameters.parse("limit=5", Set.of()), "limit");
	}

	@Test
	void aRepeatedParameterIsRejectedEvenWithTheSameValue() {
		assertBadParameter(() -> QueryParameters.parse("q=a&q=a", ALLOWED), "q");
		assertBadParameter(() -> QueryParameters.parse("q=a&limit=1&q=b", ALLOWED), "q");
	}

	@Test
	void anEmptyOrMissingValueIsRejected() {
		assertBadParameter(() -> QueryParameters.parse("q=", ALLOWED), "q");
		assertBadParameter(() -> QueryParameters.parse("q", ALLOWED), "q");
	}

	@Test
	void controlCharactersAreRejected() {
		assertBadParameter(() -> QueryParameters.parse("q=a%00b", ALLOWED), "q");
		assertBadParameter(() -> QueryParameters.parse("q=a%0Ab", ALLOWED), "q");
		assertBadParameter(() -> QueryParameters.parse("q=a%7Fb", ALLOWED), "q");
	}

	@Test
	void malformedPercentEncodingAndInvalidUtf8AreRejected() {
		assertBadParameter(() -> QueryParameters.parse("q=%zz", ALLOWED), "%zz");
		assertBadParameter(() -> QueryParameters.parse("q=%C0%AF", ALLOWED), "q");
		assertBadParameter(() -> QueryParameters.parse("q=%FF", ALLOWED), "q");
	}

	@Test
	void aValueLongerThan512CharactersIsRejected() {
		assertThat(QueryParameters.parse("q=" + "a".repeat(512), ALLOWED).get("q")).hasSize(512);
		assertBadParameter(() -> QueryParameters.parse("q=" + "a".repeat(513), ALLOWED), "q");
	}

	@Test
	void wholeNumbersMayCarryAPlusAndLeadingZeros() {
		assertThat(QueryParameters.parse("limit=%2B5", ALLOWED).getLong("limit", 1, 10)).isEqualTo(5);
		assertThat(QueryParameters.parse("limit=0005", ALLOWED).getLong("limit", 1, 10)).isEqualTo(5);
		assertThat(QueryParameters.parse("q=x", ALLOWED).getLong("limit", 1, 10)).isNull();
	}

	@Test
	void anythingButAWholeNumberInRangeIsRejected() {
		for (String value : new String[] { "-1", "0x10", "1e3", "1.5", "%20" + "5", "++5", "NaN", "0", "11",
				"9223372036854775808", "99999999999999999999" }) {
			assertBadParameter(() -> QueryParameters.parse("limit=" + value, ALLOWED).getLong("limit", 1, 10), "limit");
		}
	}

}
