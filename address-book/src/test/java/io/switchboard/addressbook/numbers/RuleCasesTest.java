package io.switchboard.addressbook.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RuleCasesTest {

    private static final NumberRules RULES =
            RulesFile.parse("^0(\\d{9})$ -> +31$1\n^(\\d{4})$ -> +3120555$1\n").rules();

    @Test
    void reportsEachCaseAndTheMismatches() {
        RuleCases.Parsed parsed = RuleCases.parse("""
                # Amsterdam office
                020 555 0101        -> +31205550101
                4567 x12            -> +31205554567;ext=12
                +44 20 7946 0000    -> +442079460000
                112                 -> none
                0612                -> +31612
                12345               -> +3112345
                not a case
                """);
        assertThat(parsed.problems()).containsExactly(new RulesFile.Problem(8, "expected 'NUMBER -> EXPECTED'"));
        List<RuleCases.Outcome> outcomes = RuleCases.run(RULES, parsed.cases());
        assertThat(outcomes)
                .extracting(RuleCases.Outcome::passed)
                .containsExactly(true, true, true, true, false, false);
        assertThat(outcomes.get(4).toString())
                .isEqualTo("line 6: 0612 -> +31205550612, expected +31612 (rule at 2: ^(\\d{4})$ -> +3120555$1)");
        assertThat(outcomes.get(0).toString())
                .isEqualTo("line 2: 020 555 0101 -> +31205550101 (rule at 1: ^0(\\d{9})$ -> +31$1)");
        assertThat(outcomes.get(2).toString()).endsWith("(already E.164)");
    }
}
