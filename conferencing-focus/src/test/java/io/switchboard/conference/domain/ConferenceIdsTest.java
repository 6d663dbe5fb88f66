package io.switchboard.conference.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConferenceIdsTest {

    @Test
    void ids_are_long_random_base32_and_numeric_ids_seven_digits() {
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = ConferenceIds.newId(random);
            assertThat(id).matches("[a-z2-7]{20}");
            assertThat(seen.add(id)).isTrue();
            assertThat(ConferenceIds.newNumericId(random)).matches("[1-9][0-9]{6}");
        }
        assertThat(ConferenceIds.uri("abcdefghijklmnopqrst", "example.test"))
                .isEqualTo("sip:conf-abcdefghijklmnopqrst@example.test");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "sip:conf-abcdefghijklmnopqrst@example.test, abcdefghijklmnopqrst",
        "sips:conf-abcdefghijklmnopqrst@example.test;transport=tls, abcdefghijklmnopqrst",
        "SIP:CONF-abcdefghijklmnopqrst@example.test;isfocus, abcdefghijklmnopqrst",
        "sip:conf-abcdefghijklmnopqrs@example.test, ''", // too short
        "sip:conf-abcdefghijklmnopqrs1@example.test, ''", // 1 is not base32
        "sip:alice@example.test, ''",
        "tel:+4711001, ''",
        "sip:conf-abcdefghijklmnopqrst, ''"
    })
    void the_id_a_uri_names(String uri, String id) {
        assertThat(ConferenceIds.idOf(uri)).isEqualTo(id.isEmpty() ? Optional.empty() : Optional.of(id));
    }

    @Test
    void a_definition_refuses_bad_ids_and_limits() {
        assertThatThrownBy(() -> Fixtures.conference(AccessType.OPEN, Presenters.ORGANIZER_ONLY, false, 0))
                .hasMessageContaining("participant limit");
        assertThatThrownBy(() -> Fixtures.conference(
                        AccessType.OPEN, Presenters.ORGANIZER_ONLY, false, Conference.MAX_LIMIT + 1))
                .hasMessageContaining("participant limit");
        assertThat(Fixtures.conference(AccessType.OPEN).participantLimit()).isEqualTo(250);
        assertThat(Fixtures.conference(AccessType.OPEN).uri()).isEqualTo("sip:conf-abcdefghijklmnopqrst@example.test");
    }
}
