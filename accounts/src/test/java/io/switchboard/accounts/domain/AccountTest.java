package io.switchboard.accounts.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.sip.auth.DigestAlgorithm;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AccountTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:15:30.123456789Z");
    private static final AccountRules RULES = new AccountRules(List.of("example.test"));

    private static AccountDraft draft(String uri, String password) {
        Validation<AccountDraft> v = RULES.validate(new NewAccountRequest(uri, password, "Alice", ""));
        return ((Validation.Valid<AccountDraft>) v).value();
    }

    static Stream<Arguments> credentials() {
        return Stream.of(
                Arguments.of("sip:alice@example.test", "correct horse", "alice"),
                Arguments.of("sip:Alice@EXAMPLE.test", "Circle Of Life", "Alice"),
                Arguments.of("sip:+493012345678@example.test", "p\u00e4ssw\u00f6rd\u20ac!", "+493012345678"),
                Arguments.of("sips:bob.smith@example.test", "with inner spaces", "bob.smith"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("credentials")
    void ha1IsWhatTheDigestVerifierComputesWithRealmEqualToDomain(String uri, String password, String user) {
        Account account = draft(uri, password).toAccount(NOW);

        assertThat(account.ha1()).containsOnlyKeys(DigestAlgorithm.values());
        for (DigestAlgorithm algorithm : DigestAlgorithm.values()) {
            assertThat(account.ha1(algorithm)).contains(algorithm.ha1(user, "example.test", password));
        }
        // Independently of DigestAlgorithm: H(user ":" realm ":" password) over UTF-8, lower-case hex.
        assertThat(account.ha1(DigestAlgorithm.MD5)).contains(hex("MD5", user + ":example.test:" + password));
        assertThat(account.ha1(DigestAlgorithm.SHA_256)).contains(hex("SHA-256", user + ":example.test:" + password));
    }

    @Test
    void describesItself() {
        Account account = draft("sip:alice@example.test", "correct horse").toAccount(NOW);
        assertThat(account.aor()).isEqualTo("sip:alice@example.test");
        assertThat(account.realm()).isEqualTo("example.test");
        assertThat(account.displayName()).isEqualTo("Alice");
        assertThat(account.phone()).isEmpty();
    }

    @Test
    void isImmutableAndKeepsCreatedAtAtStoragePrecision() {
        Map<DigestAlgorithm, String> source = new EnumMap<>(DigestAlgorithm.class);
        source.put(DigestAlgorithm.MD5, "ABCDEF");
        Account account = new Account("alice", "Example.Test", null, null, source, NOW);
        source.put(DigestAlgorithm.SHA_256, "00");

        assertThat(account.ha1()).containsExactly(Map.entry(DigestAlgorithm.MD5, "abcdef"));
        assertThatThrownBy(() -> account.ha1().put(DigestAlgorithm.SHA_256, "00"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(account.domain()).isEqualTo("example.test");
        assertThat(account.displayName()).isEmpty();
        assertThat(account.phone()).isEmpty();
        assertThat(account.createdAt()).isEqualTo(Instant.parse("2025-03-01T10:15:30.123Z"));
        assertThat(account.ha1(DigestAlgorithm.SHA_256)).isEmpty();
    }

    @Test
    void passwordsNeverAppearInToString() {
        NewAccountRequest request = new NewAccountRequest("sip:alice@example.test", "correct horse", "Alice", "");
        assertThat(request.toString()).doesNotContain("correct horse");
        assertThat(draft("sip:alice@example.test", "correct horse").toString()).doesNotContain("correct horse");
    }

    private static String hex(String jcaName, String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance(jcaName).digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aHomeSiteIsASiteNameOrEmptyForThePool() {
        Account a = new Account("alice", "example.test", "", "", Map.of(), Instant.EPOCH);
        assertThat(a.homeSite()).isEqualTo(Account.POOL_SITE);
        assertThat(a.withHomeSite(null).homeSite()).isEqualTo(Account.POOL_SITE);
        assertThat(a.withHomeSite("ams_2").homedAtBranch()).isTrue();
        assertThatThrownBy(() -> a.withHomeSite("Ams")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.withHomeSite("a".repeat(SiteName.MAX_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
