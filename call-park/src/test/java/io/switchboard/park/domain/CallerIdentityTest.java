package io.switchboard.park.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The parked caller's identity as the retriever and the rung-back parker get it (P-Asserted-Identity). */
class CallerIdentityTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            nullValues = "-",
            value = {
                // display name | the caller's own P-Asserted-Identity | what we assert
                "-          | -                                            | <sip:bob@example.test>",
                "Bob        | -                                            | \"Bob\" <sip:bob@example.test>",
                "Bob \"B\"  | -                                            | \"Bob \\\"B\\\"\" <sip:bob@example.test>",
                "Bob        | \"Robert\" <sip:bob@example.test>            | \"Robert\" <sip:bob@example.test>",
                // a phone cannot make the node assert someone else
                "Bob        | \"Alice\" <sip:alice@example.test>           | \"Bob\" <sip:bob@example.test>",
            })
    void asserts_the_authenticated_caller(String display, String theirs, String asserted) {
        CallerIdentity c = new CallerIdentity("sip:bob@example.test", display, Optional.ofNullable(theirs));
        assertThat(c.asserted()).isEqualTo(asserted);
    }
}
