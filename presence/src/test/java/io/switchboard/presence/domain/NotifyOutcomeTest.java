package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which NOTIFY outcomes end the subscription: RFC 6665 section 4.2.2 (481 and a transaction
 * timeout do) and RFC 5057 (responses that end the usage do; those that affect only the
 * transaction, 408 among them, do not).
 */
class NotifyOutcomeTest {

    static Stream<Arguments> outcomes() {
        return Stream.of(
                Arguments.of("RFC 6665 s4.2.2: 200 delivered", 200, NotifyOutcome.DELIVERED),
                Arguments.of("RFC 6665 s4.2.2: 202 delivered", 202, NotifyOutcome.DELIVERED),
                Arguments.of("RFC 3261 s21.2: any 2xx delivered", 299, NotifyOutcome.DELIVERED),
                Arguments.of(
                        "RFC 6665 s4.2.2: 481, the subscriber forgot the dialog: ends",
                        481,
                        NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of(
                        "RFC 6665 s4.2.2: no response at all (Timer F, status 0): ends",
                        0,
                        NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 405 ends the usage", 405, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 489 Bad Event ends the usage", 489, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 501 ends the usage", 501, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 480 ends the usage", 480, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of(
                        "RFC 5057 s5.1: 404, the remote target is gone: ends the dialog",
                        404,
                        NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 410 ends the dialog", 410, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 416 ends the dialog", 416, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 482 ends the dialog", 482, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 485 ends the dialog", 485, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 502 ends the dialog", 502, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 604 ends the dialog", 604, NotifyOutcome.ENDS_SUBSCRIPTION),
                Arguments.of("RFC 5057 s5.1: 486 affects the transaction only", 486, NotifyOutcome.FAILED_KEEP),
                Arguments.of(
                        "RFC 5057 s5.1: a 408 *response* affects that transaction only: keep",
                        408,
                        NotifyOutcome.FAILED_KEEP),
                Arguments.of("RFC 5057 s5.1: 500 affects the transaction only", 500, NotifyOutcome.FAILED_KEEP),
                Arguments.of("RFC 5057 s5.1: 503 affects the transaction only", 503, NotifyOutcome.FAILED_KEEP));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outcomes")
    void classifies(String rule, int status, NotifyOutcome expected) {
        assertThat(NotifyOutcome.ofStatus(status)).isEqualTo(expected);
    }
}
