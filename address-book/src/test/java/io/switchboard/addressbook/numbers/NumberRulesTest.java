package io.switchboard.addressbook.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NumberRulesTest {

    // an Amsterdam office: national numbers, the international access prefix, four-digit internal extensions
    private static final NumberRules RULES = new NumberRules(List.of(
            NumberRule.of(1, "^0(\\d{9})$", "+31$1"),
            NumberRule.of(2, "^00(\\d{6,15})$", "+$1"),
            NumberRule.of(3, "^(\\d{4})$", "+3120555${1}"),
            NumberRule.of(4, "^(\\d{4})(\\d{4})$", "+3120$2$1"),
            NumberRule.of(5, "^(112|911)$", "$1"),
            NumberRule.of(6, "^\\+(0\\d{2})$", "+$1"),
            NumberRule.of(7, "^\\+(\\d{3})$", "+31$1")));

    @ParameterizedTest(name = "[{index}] {0} -> {1} by rule {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // input                | e164           | rule (0: already E.164) | extension
                "020 123 4567           | +31201234567   | 1 | ''",
                "(020) 123-45-67 x 12   | +31201234567   | 1 | 12",
                "0044 20 7946 0000      | +442079460000  | 2 | ''",
                "4567                   | +31205554567   | 3 | ''",
                "1234 5678              | +312056781234  | 4 | ''",
                "+44 20 7946 0000       | +442079460000  | 0 | ''",
                "+1 (425) 555-0100;ext=7| +14255550100   | 0 | 7",
                // first match wins: 0201234567 matches rule 1 before anything later
                "0 20 12 34 56 7        | +31201234567   | 1 | ''",
            })
    void normalizes(String raw, String e164, int rule, String extension) {
        Normalization result = RULES.normalize(raw);
        assertThat(result).isInstanceOf(Normalization.Normalized.class);
        Normalization.Normalized n = (Normalization.Normalized) result;
        assertThat(n.e164()).isEqualTo(e164);
        assertThat(n.extension()).isEqualTo(extension);
        assertThat(n.byRule() ? n.rule().position() : 0).isEqualTo(rule);
        assertThat(n.input()).isEqualTo(raw);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // input     | reason             | rule (0: none) | produced
                "12345       | NO_RULE_MATCHED    | 0 | ''",
                "+0123456    | NO_RULE_MATCHED    | 0 | ''",
                "+1234567890123456 | NO_RULE_MATCHED | 0 | ''",
                "112         | NOT_E164           | 5 | 112",
                // the first match decides even when a later rule would have given E.164
                "+012        | NOT_E164           | 6 | +012",
                "''          | EMPTY              | 0 | ''",
                "fax only    | INVALID_CHARACTERS | 0 | ''",
            })
    void refuses(String raw, Normalization.Reason reason, int rule, String produced) {
        Normalization result = RULES.normalize(raw);
        assertThat(result).isInstanceOf(Normalization.NotNormalized.class);
        Normalization.NotNormalized n = (Normalization.NotNormalized) result;
        assertThat(n.reason()).isEqualTo(reason);
        assertThat(n.rule() == null ? 0 : n.rule().position()).isEqualTo(rule);
        assertThat(n.produced() == null ? "" : n.produced()).isEqualTo(produced);
    }

    @Test
    void withoutRulesOnlyE164NumbersPass() {
        assertThat(NumberRules.NONE.normalize("+31 20 123 4567"))
                .isEqualTo(new Normalization.Normalized("+31 20 123 4567", "+31201234567", "", null));
        assertThat(NumberRules.NONE.normalize("020 123 4567")).isInstanceOf(Normalization.NotNormalized.class);
    }

    @Test
    void descriptionsNameTheRule() {
        assertThat(RULES.normalize("020 123 4567 x12").describe())
                .isEqualTo("+31201234567;ext=12 (rule at 1: ^0(\\d{9})$ -> +31$1)");
        assertThat(RULES.normalize("+44 20 7946 0000").describe())
                .isEqualTo("+442079460000 (already E.164, no rule matched)");
        assertThat(RULES.normalize("112").describe())
                .isEqualTo("rule at 5 (^(112|911)$ -> $1) gave 112, which is not E.164");
        assertThat(RULES.normalize("12345").describe()).isEqualTo("no rule matched 12345 and it is not E.164");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "+1              | true",
                "+123456789012345 | true",
                "+1234567890123456 | false",
                "+0123           | false",
                "123             | false",
                "+               | false",
                "+12a            | false",
            })
    void e164(String number, boolean valid) {
        assertThat(E164.isValid(number)).isEqualTo(valid);
    }
}
