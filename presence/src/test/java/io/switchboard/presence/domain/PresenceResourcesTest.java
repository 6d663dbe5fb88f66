package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which list entries are our users (served) and which are answered "rejected" (RFC 4662 section 5.2). */
class PresenceResourcesTest {

    static final Set<String> OURS = Set.of("example.test", "other.test");

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            nullValues = "-",
            value = {
                // entry,                          ours as
                "sip:alice@example.test,           sip:alice@example.test",
                "sip:alice@EXAMPLE.Test,           sip:alice@example.test", // domains are case-insensitive
                "sips:alice@example.test,          sip:alice@example.test", // same user, RFC 3856 section 4
                "pres:alice@other.test,            sip:alice@other.test",
                "' sip:alice@example.test ',       sip:alice@example.test",
                "sip:alice@elsewhere.test,         -", // another domain: rejected
                "sip:alice@example.test.evil.test, -",
                "sip:alice@example.test:5060,      -", // a port is no AOR
                "sip:alice@example.test;maddr=203.0.113.9, -",
                "sip:example.test,                 -", // no user
                "tel:+15551234,                    -",
                "'',                               -",
            })
    void entries_are_ours_only_as_users_of_our_domains(String entry, String canonical) {
        assertThat(PresenceResources.ours(entry, OURS)).isEqualTo(canonical);
        assertThat(PresenceResources.isOurs(entry, OURS)).isEqualTo(entry.equals(canonical));
    }

    @Test
    void a_list_keeps_each_user_once_in_canonical_form_and_others_as_written() {
        assertThat(PresenceResources.canonical(
                        List.of(
                                "sip:bob@Example.test",
                                "sip:mallory@elsewhere.test",
                                "pres:bob@example.test",
                                "sip:carol@other.test"),
                        OURS))
                .containsExactly("sip:bob@example.test", "sip:mallory@elsewhere.test", "sip:carol@other.test");
    }
}
