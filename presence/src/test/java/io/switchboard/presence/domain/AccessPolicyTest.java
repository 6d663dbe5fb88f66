package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which access level a watcher gets: per AOR, then per domain, then the enterprise default. */
class AccessPolicyTest {

    static final String ALICE = "sip:alice@example.com";
    static final Set<String> ENTERPRISE = Set.of("example.com", "example.org");

    static final AccessPolicy POLICY = AccessPolicy.DEFAULT
            .with("sip:bob@example.com", AccessLevel.FRIENDS_AND_FAMILY)
            .with("sip:eve@partner.example", AccessLevel.BLOCKED)
            .with("sip:carol@example.org", AccessLevel.EXTERNAL)
            .with("partner.example", AccessLevel.WORKGROUP)
            .with("example.org", AccessLevel.BLOCKED);

    static Stream<Arguments> levels() {
        return Stream.of(
                // watcher, level, why
                Arguments.of("sip:bob@example.com", AccessLevel.FRIENDS_AND_FAMILY, "set for the AOR"),
                Arguments.of("sip:eve@partner.example", AccessLevel.BLOCKED, "AOR beats its domain (workgroup)"),
                Arguments.of("sip:carol@example.org", AccessLevel.EXTERNAL, "AOR beats its domain (blocked)"),
                Arguments.of("sip:dave@partner.example", AccessLevel.WORKGROUP, "set for the domain"),
                Arguments.of("sip:frank@example.org", AccessLevel.BLOCKED, "domain beats enterprise default"),
                Arguments.of("sip:gina@example.com", AccessLevel.COLLEAGUES, "same enterprise: default colleagues"),
                Arguments.of("sip:henk@elsewhere.test", AccessLevel.EXTERNAL, "anyone else: external"),
                Arguments.of("SIP:BOB@EXAMPLE.COM", AccessLevel.FRIENDS_AND_FAMILY, "AOR case-insensitive"),
                Arguments.of("sip:Dave@Partner.Example", AccessLevel.WORKGROUP, "domain case-insensitive"),
                Arguments.of("sip:gina@EXAMPLE.com", AccessLevel.COLLEAGUES, "enterprise domain case-insensitive"),
                Arguments.of("sip:dave@partner.example;transport=tcp", AccessLevel.WORKGROUP, "URI params ignored"),
                Arguments.of("sip:dave@partner.example:5061", AccessLevel.WORKGROUP, "port ignored"));
    }

    @ParameterizedTest(name = "{0} -> {1} ({2})")
    @MethodSource("levels")
    void watcher_gets_aor_then_domain_then_default(String watcher, AccessLevel expected, String why) {
        assertThat(POLICY.levelFor(ALICE, watcher, ENTERPRISE)).as(why).isEqualTo(expected);
    }

    @Test
    void self_sees_everything_even_when_own_aor_or_domain_is_blocked() {
        AccessPolicy hostile =
                AccessPolicy.DEFAULT.with(ALICE, AccessLevel.BLOCKED).with("example.com", AccessLevel.BLOCKED);
        assertThat(hostile.levelFor(ALICE, ALICE, ENTERPRISE)).isEqualTo(AccessLevel.FRIENDS_AND_FAMILY);
        assertThat(hostile.levelFor("sip:Alice@Example.com", "SIP:ALICE@EXAMPLE.COM", ENTERPRISE))
                .isEqualTo(AccessLevel.FRIENDS_AND_FAMILY);
    }

    @Test
    void keys_are_stored_lower_case_and_a_null_level_removes_the_entry() {
        AccessPolicy p = AccessPolicy.DEFAULT
                .with("Partner.Example", AccessLevel.WORKGROUP)
                .with("SIP:Bob@Example.com", AccessLevel.BLOCKED);
        assertThat(p.byDomain()).isEqualTo(Map.of("partner.example", AccessLevel.WORKGROUP));
        assertThat(p.byWatcher()).isEqualTo(Map.of("sip:bob@example.com", AccessLevel.BLOCKED));
        AccessPolicy removed = p.with("sip:bob@example.com", null).with("partner.example", null);
        assertThat(removed).isEqualTo(AccessPolicy.DEFAULT);
        assertThat(removed.levelFor(ALICE, "sip:bob@example.com", ENTERPRISE)).isEqualTo(AccessLevel.COLLEAGUES);
    }

    @Test
    void domain_keys_have_neither_scheme_nor_user() {
        assertThat(AccessPolicy.isDomainKey("partner.example")).isTrue();
        assertThat(AccessPolicy.isDomainKey("sip:bob@partner.example")).isFalse();
        assertThat(AccessPolicy.isDomainKey("bob@partner.example")).isFalse();
    }

    @Test
    void levels_are_ordered_and_parsed_by_token() {
        assertThat(AccessLevel.WORKGROUP.atLeast(AccessLevel.COLLEAGUES)).isTrue();
        assertThat(AccessLevel.EXTERNAL.atLeast(AccessLevel.COLLEAGUES)).isFalse();
        assertThat(AccessLevel.ofToken("Friends_And_Family")).isEqualTo(AccessLevel.FRIENDS_AND_FAMILY);
        assertThat(AccessLevel.ofToken("public")).isNull();
    }
}
