package io.switchboard.sip.auth;

import static io.switchboard.sip.auth.DigestAlgorithm.MD5;
import static io.switchboard.sip.auth.DigestAlgorithm.SHA_256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DigestPolicyTest {

    /**
     * The pool default SHA-256 first, a SHA-256-only realm, an MD5-first realm (like the quick
     * start), the clients that cannot skip a SHA-256 challenge offered MD5 alone (as in
     * switchboard-defaults.conf) and linphone offered SHA-256 first (as in conf/switchboard.conf).
     */
    static final DigestPolicy POLICY = new DigestPolicy(
            List.of(SHA_256, MD5),
            Map.of("strict.test", List.of(SHA_256), "Legacy.Test", List.of(MD5, SHA_256)),
            List.of(
                    new DigestPolicy.UserAgentRule("baresip v0.", List.of(MD5)),
                    new DigestPolicy.UserAgentRule("baresip v1.", List.of(MD5)),
                    new DigestPolicy.UserAgentRule("sipsak", List.of(MD5)),
                    new DigestPolicy.UserAgentRule("Linphone", List.of(SHA_256, MD5))));

    static final String BARESIP = "baresip v1.0.0 (x86_64/linux)";

    static Stream<Arguments> offers() {
        return Stream.of(
                // realm, User-Agent, offered challenges in order
                Arguments.of("example.test", null, List.of(SHA_256, MD5)),
                Arguments.of("example.test", "Linphone/5.1.65 (belle-sip/5.1.64)", List.of(SHA_256, MD5)),
                Arguments.of("example.test", BARESIP, List.of(MD5)),
                Arguments.of("example.test", "  BARESIP V1.1.0", List.of(MD5)),
                Arguments.of("example.test", "sipsak 0.9.8.1", List.of(MD5)),
                // a later baresip (libre with SHA-256) is not matched: it keeps SHA-256
                Arguments.of("example.test", "baresip v3.10.1 (x86_64/linux)", List.of(SHA_256, MD5)),
                // a prefix, not a substring: a User-Agent merely mentioning baresip keeps both
                Arguments.of("example.test", "MyPhone (not baresip v1.0)", List.of(SHA_256, MD5)),
                Arguments.of("example.test", "", List.of(SHA_256, MD5)),
                // SHA-256-only realm: the User-Agent cannot bring MD5 back
                Arguments.of("strict.test", null, List.of(SHA_256)),
                Arguments.of("strict.test", BARESIP, List.of(SHA_256)),
                Arguments.of("STRICT.test", "sipsak 0.9.8.1", List.of(SHA_256)),
                // a realm of its own keeps its order; matched clients get what their rule says
                Arguments.of("legacy.test", null, List.of(MD5, SHA_256)),
                Arguments.of("legacy.test", "SIPp", List.of(MD5, SHA_256)),
                Arguments.of("legacy.test", BARESIP, List.of(MD5)),
                Arguments.of("legacy.test", "Linphonec/5.1.65", List.of(SHA_256, MD5)),
                Arguments.of("legacy.test", "LinphoneAndroid/5.2 (Pixel)", List.of(SHA_256, MD5)),
                // a rule never adds what the realm does not allow
                Arguments.of("strict.test", "Linphonec/5.1.65", List.of(SHA_256)));
    }

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @MethodSource("offers")
    void offersByRealmAndUserAgent(String realm, String userAgent, List<DigestAlgorithm> expected) {
        assertThat(POLICY.offered(realm, userAgent)).containsExactlyElementsOf(expected);
    }

    static Stream<Arguments> accepts() {
        return Stream.of(
                // realm, algorithm of the response, accepted
                Arguments.of("example.test", SHA_256, true),
                Arguments.of("example.test", MD5, true),
                Arguments.of("strict.test", SHA_256, true),
                Arguments.of("strict.test", MD5, false),
                Arguments.of("Strict.Test", MD5, false),
                Arguments.of("legacy.test", MD5, true),
                Arguments.of("legacy.test", SHA_256, true));
    }

    @ParameterizedTest(name = "{0} accepts {1}: {2}")
    @MethodSource("accepts")
    void acceptsOnlyWhatTheRealmAllows(String realm, DigestAlgorithm algorithm, boolean expected) {
        assertThat(POLICY.accepts(realm, algorithm)).isEqualTo(expected);
    }

    @Test
    void aPoolWithoutMd5NeverOffersItWhateverTheUserAgent() {
        DigestPolicy sha256Only = new DigestPolicy(
                List.of(SHA_256), Map.of(), List.of(new DigestPolicy.UserAgentRule("baresip v1.", List.of(MD5))));
        assertThat(sha256Only.offered("example.test", BARESIP)).containsExactly(SHA_256);
        assertThat(sha256Only.accepts("example.test", MD5)).isFalse();
    }

    @Test
    void theChallengerSendsWhatThePolicyOffers() {
        DigestChallenger challenger = new DigestChallenger(
                new NonceService("0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8)), POLICY);
        Instant now = Instant.parse("2025-01-01T10:00:00Z");
        assertThat(challenger.challenges("example.test", BARESIP, false, now))
                .extracting(Challenge::algorithm)
                .containsExactly(MD5);
        assertThat(challenger.challenges("strict.test", BARESIP, true, now))
                .allMatch(Challenge::stale)
                .extracting(Challenge::algorithm)
                .containsExactly(SHA_256);
        assertThat(challenger.challenges("example.test", false, now))
                .extracting(Challenge::algorithm)
                .containsExactly(SHA_256, MD5);
        assertThat(challenger.accepts("strict.test", MD5)).isFalse();
    }

    @Test
    void refusesConfigurationThatWouldOfferNothingOrMatchEveryone() {
        assertThatThrownBy(() -> DigestPolicy.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DigestPolicy(List.of(MD5), Map.of("x.test", List.of()), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DigestPolicy.UserAgentRule("  ", List.of(MD5)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DigestPolicy.UserAgentRule("sipsak", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
