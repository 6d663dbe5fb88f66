package io.switchboard.addressbook.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RulesFileTest {

    @Test
    void readsRulesInOrderWithTheirLines() {
        RulesFile.Parsed parsed = RulesFile.parse("""
                # Amsterdam office

                ^0(\\d{9})$     -> +31$1    # national
                  ^00(\\d+)$    ->+$1
                ^(\\d{4})$ -> +3120555${1}
                """);
        assertThat(parsed.ok()).isTrue();
        List<NumberRule> rules = parsed.rules().rules();
        assertThat(rules).extracting(NumberRule::position).containsExactly(3, 4, 5);
        assertThat(rules).extracting(NumberRule::pattern).containsExactly("^0(\\d{9})$", "^00(\\d+)$", "^(\\d{4})$");
        assertThat(rules).extracting(NumberRule::translation).containsExactly("+31$1", "+$1", "+3120555${1}");
        assertThat(parsed.rules().normalize("4567")).isInstanceOfSatisfying(Normalization.Normalized.class, n -> {
            assertThat(n.e164()).isEqualTo("+31205554567");
            assertThat(n.rule().position()).isEqualTo(5);
        });
    }

    @Test
    void aPatternMayContainTheArrow() {
        RulesFile.Parsed parsed = RulesFile.parse("^(?:->)?(\\d{4})$ -> +3120555$1");
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.rules().rules().get(0).pattern()).isEqualTo("^(?:->)?(\\d{4})$");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "^0(\\d{9}$ -> +31$1           | bad pattern: Unclosed group at character 10",
                "^0[\\d{9}$ -> +31$1           | bad pattern: Unclosed character class at character 9",
                "^0(\\d{9})$ -> +31$2          | bad translation: $2 refers to group 2 but the pattern has 1 group",
                "^0\\d{9}$ -> +31${3}          | bad translation: $3 refers to group 3 but the pattern has 0 groups",
                "^0(\\d{9})$ -> +31$           | bad translation: '$' at character 4 must be followed by a group number ($1 or ${12})",
                "^0(\\d{9})$ -> +31${x}        | bad translation: '${' at character 4 must be followed by a group number and '}'",
                "^0(\\d{9})$ -> +31 $1         | bad translation: unexpected ' ' at character 4 (a translation holds digits, '+' and group references)",
                "^0(\\d{9})$ -> tel:+31$1      | bad translation: unexpected 't' at character 1 (a translation holds digits, '+' and group references)",
                "^0(\\d{9})$ +31$1             | expected 'PATTERN -> TRANSLATION'",
                "^0(\\d{9})$ ->                | empty translation",
                "-> +31$1                      | empty pattern",
            })
    void reportsTheProblemWithItsLine(String rule, String problem) {
        RulesFile.Parsed parsed = RulesFile.parse("# header\n^(\\d{4})$ -> +3120555$1\n" + rule + "\n");
        assertThat(parsed.problems()).containsExactly(new RulesFile.Problem(3, problem));
        assertThat(parsed.rules()).isEqualTo(NumberRules.NONE);
    }

    @Test
    void reportsEveryBadLineAndAppliesNothing() {
        RulesFile.Parsed parsed = RulesFile.parse("^(\\d{4}$ -> +1$1\r\n^(\\d)$ -> +1$1\r\nnonsense\r\n");
        assertThat(parsed.ok()).isFalse();
        assertThat(parsed.problems()).extracting(RulesFile.Problem::line).containsExactly(1, 3);
        assertThat(parsed.problems().get(1).toString()).isEqualTo("line 3: expected 'PATTERN -> TRANSLATION'");
        assertThat(parsed.rules().rules()).isEmpty();
    }
}
