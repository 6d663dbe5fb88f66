package io.switchboard.addressbook.numbers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NumberCleanerTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1} ext {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "+31 20 123 4567          | +31201234567 | ''",
                "+31 (0)20-123.45.67      | +31201234567 | ''",
                "+31 ( 0 ) 20 1234567     | +31201234567 | ''",
                "(020) 123 45 67          | 0201234567   | ''",
                "030/1234567              | 0301234567   | ''",
                "555-1234 x89             | 5551234      | 89",
                "555-1234 X 89            | 5551234      | 89",
                "555-1234 ext. 89         | 5551234      | 89",
                "555-1234ext89            | 5551234      | 89",
                "+1 425 555 0100;ext=1234 | +14255550100 | 1234",
                "tel:+14255550100         | +14255550100 | ''",
                "'  0201234567  '         | 0201234567   | ''",
                "1234                     | 1234         | ''",
            })
    void cleans(String raw, String digits, String extension) {
        assertThat(NumberCleaner.clean(raw)).isEqualTo(new NumberCleaner.Clean(new CleanedNumber(digits, extension)));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''            | EMPTY",
                "'   '         | EMPTY",
                "' - () . '    | EMPTY",
                "call me       | INVALID_CHARACTERS",
                "020 CALL NOW  | INVALID_CHARACTERS",
                "+31++20       | INVALID_CHARACTERS",
                "12+34         | INVALID_CHARACTERS",
                "x89           | INVALID_CHARACTERS",
            })
    void refuses(String raw, Normalization.Reason reason) {
        assertThat(NumberCleaner.clean(raw))
                .isInstanceOfSatisfying(
                        NumberCleaner.Problem.class, p -> assertThat(p.reason()).isEqualTo(reason));
    }
}
