package io.switchboard.accounts.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AccountRulesTest {

    private static final AccountRules RULES = new AccountRules(List.of("example.test", " Other.TEST "));
    private static final String URI = "sip:alice@example.test";
    private static final String PW = "correct horse";

    static Stream<Arguments> accepted() {
        return Stream.of(
                // uri, password, display name, phone -> aor, display name, phone as stored
                Arguments.of(URI, PW, null, null, URI, "", ""),
                Arguments.of("sips:alice@EXAMPLE.test", PW, "", " ", URI, "", ""),
                Arguments.of(
                        "sip:bob@other.test",
                        PW,
                        "  Bob  Builder ",
                        "+1 212-555-0100",
                        "sip:bob@other.test",
                        "Bob  Builder",
                        "+12125550100"),
                Arguments.of(
                        URI,
                        "12345678",
                        "Lidd\u00e9ll, Alice \"Al\"",
                        "+49 30 1234 5678",
                        URI,
                        "Lidd\u00e9ll, Alice \"Al\"",
                        "+493012345678"),
                Arguments.of(
                        URI,
                        "x".repeat(AccountRules.MAX_PASSWORD_LENGTH),
                        "a".repeat(256),
                        "+1",
                        URI,
                        "a".repeat(256),
                        "+1"),
                Arguments.of(URI, "p4ssw0rd", null, "+999999999999999", URI, "", "+999999999999999"),
                // length counts code points: 8 emoji are 16 UTF-16 units
                Arguments.of(URI, "\ud83d\udd11".repeat(8), null, null, URI, "", ""),
                Arguments.of(URI, "inner spaces ok", null, null, URI, "", ""));
    }

    @ParameterizedTest(name = "{0} / {2} / {3}")
    @MethodSource("accepted")
    void accepts(
            String uri,
            String password,
            String displayName,
            String phone,
            String aor,
            String storedName,
            String storedPhone) {
        Validation<AccountDraft> result = RULES.validate(new NewAccountRequest(uri, password, displayName, phone));

        assertThat(result).isInstanceOf(Validation.Valid.class);
        AccountDraft draft = ((Validation.Valid<AccountDraft>) result).value();
        assertThat(draft.address().aor()).isEqualTo(aor);
        assertThat(draft.displayName()).isEqualTo(storedName);
        assertThat(draft.phone()).isEqualTo(storedPhone);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of(null, PW, null, null, "uri is missing"),
                Arguments.of(
                        "sip:alice@elsewhere.test",
                        PW,
                        null,
                        null,
                        "domain elsewhere.test is not served by this pool (served: example.test, other.test)"),
                Arguments.of("sip:alice@example.test:5060", PW, null, null, "port"),
                Arguments.of(URI, null, null, null, "password is missing"),
                Arguments.of(URI, "", null, null, "password is missing"),
                Arguments.of(URI, "1234567", null, null, "at least 8 characters"),
                Arguments.of(URI, "x".repeat(AccountRules.MAX_PASSWORD_LENGTH + 1), null, null, "at most 128"),
                Arguments.of(URI, "tab\tinside!", null, null, "control character (U+0009)"),
                Arguments.of(URI, "line\nbreak!", null, null, "control character (U+000A)"),
                Arguments.of(URI, "nul\u0000inside", null, null, "control character (U+0000)"),
                Arguments.of(URI, " leading space", null, null, "white space"),
                Arguments.of(URI, "trailing space ", null, null, "white space"),
                Arguments.of("sip:alice.smith@example.test", "alice.smith", null, null, "must not equal the user name"),
                Arguments.of(URI, PW, "a".repeat(257), null, "display name is longer than 256"),
                Arguments.of(URI, PW, "Alice\r\nX-Evil: 1", null, "display name contains a control character (U+000D)"),
                Arguments.of(URI, PW, null, "030 1234567", "phone must be E.164"),
                Arguments.of(URI, PW, null, "+0301234", "phone must be E.164"),
                Arguments.of(URI, PW, null, "+", "phone must be E.164"),
                Arguments.of(URI, PW, null, "+1234567890123456", "phone must be E.164"),
                Arguments.of(URI, PW, null, "+49 (30) 1234", "phone must be E.164"),
                Arguments.of(URI, PW, null, "+49.30.1234", "phone must be E.164"));
    }

    @ParameterizedTest(name = "{4}")
    @MethodSource("refused")
    void refuses(String uri, String password, String displayName, String phone, String reasonFragment) {
        Validation<AccountDraft> result = RULES.validate(new NewAccountRequest(uri, password, displayName, phone));

        assertThat(result).isInstanceOf(Validation.Invalid.class);
        assertThat(((Validation.Invalid<AccountDraft>) result).reason()).contains(reasonFragment);
    }

    @Test
    void reportsEveryProblemOfARequestAtOnce() {
        Validation<AccountDraft> result =
                RULES.validate(new NewAccountRequest("sip:alice@elsewhere.test", "short", "ok", "12345"));

        assertThat(result)
                .isEqualTo(Validation.invalid(
                        "domain elsewhere.test is not served by this pool (served: example.test, other.test); "
                                + "password must have at least 8 characters; "
                                + "phone must be E.164, + then 1 to 15 digits not starting with 0 (got \"12345\")"));
    }

    @Test
    void reasonsNeverContainThePassword() {
        Validation<AccountDraft> result = RULES.validate(new NewAccountRequest(URI, " s3cr3t\u0007", null, null));

        assertThat(((Validation.Invalid<AccountDraft>) result).reason()).doesNotContain("s3cr3t");
    }

    @Test
    void servedDomainsAreNormalisedAndRequired() {
        assertThat(RULES.servedDomains()).containsExactly("example.test", "other.test");
        assertThatThrownBy(() -> new AccountRules(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> homeSites() {
        return Stream.of(
                // asked for -> stored (null: refused)
                Arguments.of(null, ""),
                Arguments.of("  ", ""),
                Arguments.of("hq", ""),
                Arguments.of(" HQ ", ""),
                Arguments.of("ams", "ams"),
                Arguments.of("Ams", "ams"),
                Arguments.of("paris", null),
                Arguments.of("pool", null));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("homeSites")
    void homesAUserAtTheNamedSiteThePoolByDefault(String asked, String stored) {
        AccountRules rules = new AccountRules(List.of("example.test"), "hq", List.of("nyc", "ams"));

        Validation<AccountDraft> v = rules.validate(new NewAccountRequest(URI, PW, null, null, asked));

        if (stored == null) {
            assertThat(((Validation.Invalid<AccountDraft>) v).reason())
                    .endsWith("is not configured (sites: hq, ams, nyc)");
        } else {
            AccountDraft draft = ((Validation.Valid<AccountDraft>) v).value();
            assertThat(draft.homeSite()).isEqualTo(stored);
            assertThat(draft.toAccount(java.time.Instant.EPOCH).homeSite()).isEqualTo(stored);
            assertThat(rules.siteName(stored)).isEqualTo(stored.isEmpty() ? "hq" : stored);
        }
    }

    @Test
    void withoutSitesConfiguredEveryUserIsHomedAtThePool() {
        assertThat(RULES.homeSite(null)).isEqualTo(Validation.valid(""));
        assertThat(RULES.homeSite("pool")).isEqualTo(Validation.valid(""));
        assertThat(RULES.homeSite("ams").isValid()).isFalse();
    }
}
