package io.switchboard.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NonceServiceTest {
    static final byte[] SECRET = "0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8);
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private final NonceService nonces = new NonceService(SECRET);

    @Test
    void freshNonceIsValidAndCompact() {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(n).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(nonces.check(n, "biloxi.com", 1, T0.plusSeconds(1))).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.issue("biloxi.com", T0)).isNotEqualTo(n);
    }

    @Test
    void anotherNodeWithTheSameSecretAcceptsIt() {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(new NonceService(SECRET).check(n, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.VALID);
        byte[] other = "another-secret-of-16+bytes".getBytes(StandardCharsets.UTF_8);
        assertThat(new NonceService(other).check(n, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.INVALID);
    }

    @Test
    void staleAfterLifetime() {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(nonces.check(n, "biloxi.com", 1, T0.plusSeconds(300))).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.check(n, "biloxi.com", 2, T0.plusSeconds(301))).isEqualTo(NonceCheck.STALE);
        NonceService shortLived = new NonceService(SECRET, Duration.ofSeconds(10));
        assertThat(shortLived.authenticate(n, "biloxi.com", T0.plusSeconds(11))).isEqualTo(NonceCheck.STALE);
    }

    @Test
    void wrongRealmIsInvalid() {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(nonces.check(n, "atlanta.com", 1, T0)).isEqualTo(NonceCheck.INVALID);
    }

    @Test
    void everyAlteredCharacterIsDetected() {
        String n = nonces.issue("biloxi.com", T0);
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i) == 'A' ? 'B' : 'A';
            String forged = n.substring(0, i) + c + n.substring(i + 1);
            assertThat(nonces.authenticate(forged, "biloxi.com", T0))
                    .as("position %d", i)
                    .isEqualTo(NonceCheck.INVALID);
        }
    }

    @Test
    void onlyTheCanonicalBase64SpellingIsAccepted() {
        // 32 bytes in 43 characters leave 2 unused bits in the last one; setting them must not pass
        for (int i = 0; i < 50; i++) {
            String n = nonces.issue("biloxi.com", T0);
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            int last = alphabet.indexOf(n.charAt(42));
            for (int bits = 1; bits < 4; bits++) {
                String variant = n.substring(0, 42) + alphabet.charAt(last | bits);
                assertThat(nonces.authenticate(variant, "biloxi.com", T0)).isEqualTo(NonceCheck.INVALID);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "abc",
                "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            })
    void malformedIsInvalid(String garbage) {
        assertThat(nonces.check(garbage, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.INVALID);
    }

    @Test
    void nullIsInvalid() {
        assertThat(nonces.check(null, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.INVALID);
    }

    @Test
    void issuedFarInTheFutureIsInvalid() {
        String n = nonces.issue("biloxi.com", T0.plusSeconds(120));
        assertThat(nonces.authenticate(n, "biloxi.com", T0)).isEqualTo(NonceCheck.INVALID);
        String skewed = nonces.issue("biloxi.com", T0.plusSeconds(5));
        assertThat(nonces.authenticate(skewed, "biloxi.com", T0)).isEqualTo(NonceCheck.VALID);
    }

    @Test
    void nonceCountMustStrictlyIncrease() {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(nonces.check(n, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.check(n, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.REPLAYED);
        assertThat(nonces.check(n, "biloxi.com", 2, T0)).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.check(n, "biloxi.com", 5, T0)).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.check(n, "biloxi.com", 3, T0)).isEqualTo(NonceCheck.REPLAYED);
        assertThat(nonces.check(n, "biloxi.com", 6, T0)).isEqualTo(NonceCheck.VALID);
    }

    @Test
    void authenticateDoesNotConsumeTheCount() {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(nonces.authenticate(n, "biloxi.com", T0)).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.authenticate(n, "biloxi.com", T0)).isEqualTo(NonceCheck.VALID);
        assertThat(nonces.trackedNonces()).isZero();
        assertThat(nonces.check(n, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.VALID);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, 0x1_0000_0000L})
    void countOutOfRangeIsInvalid(long nc) {
        String n = nonces.issue("biloxi.com", T0);
        assertThat(nonces.check(n, "biloxi.com", nc, T0)).isEqualTo(NonceCheck.INVALID);
    }

    @Test
    void nonceSignedWithRetiredSecretIsStaleNotInvalid() {
        byte[] newSecret = "the-new-secret-after-rotation".getBytes(StandardCharsets.UTF_8);
        String old = nonces.issue("biloxi.com", T0);
        NonceService rotated = new NonceService(newSecret, Duration.ofSeconds(300), 1000, List.of(SECRET));
        assertThat(rotated.check(old, "biloxi.com", 1, T0)).isEqualTo(NonceCheck.STALE);
        assertThat(rotated.check(rotated.issue("biloxi.com", T0), "biloxi.com", 1, T0))
                .isEqualTo(NonceCheck.VALID);
    }

    @Test
    void expiredEntriesAreSweptLazily() {
        NonceService s = new NonceService(SECRET, Duration.ofSeconds(300), 1000, List.of());
        for (int i = 0; i < 50; i++) {
            assertThat(s.check(s.issue("r", T0), "r", 1, T0)).isEqualTo(NonceCheck.VALID);
        }
        assertThat(s.trackedNonces()).isEqualTo(50);
        // a lifetime later, the next tracked nonce triggers a sweep of the dead ones
        Instant later = T0.plusSeconds(301);
        assertThat(s.check(s.issue("r", later), "r", 1, later)).isEqualTo(NonceCheck.VALID);
        assertThat(s.trackedNonces()).isEqualTo(1);
    }

    @Test
    void removeExpiredForgetsDeadNoncesWithoutNewTraffic() {
        NonceService s = new NonceService(SECRET, Duration.ofSeconds(300), 1000, List.of());
        String old = s.issue("r", T0);
        assertThat(s.check(old, "r", 1, T0)).isEqualTo(NonceCheck.VALID);
        String recent = s.issue("r", T0.plusSeconds(200));
        assertThat(s.check(recent, "r", 1, T0.plusSeconds(200))).isEqualTo(NonceCheck.VALID);

        s.removeExpired(T0.plusSeconds(299));
        assertThat(s.trackedNonces()).isEqualTo(2);
        s.removeExpired(T0.plusSeconds(301));
        assertThat(s.trackedNonces()).isEqualTo(1);
        // the forgotten one is past its lifetime: stale, never accepted again with an old count
        assertThat(s.check(old, "r", 1, T0.plusSeconds(301))).isEqualTo(NonceCheck.STALE);
        assertThat(s.check(recent, "r", 1, T0.plusSeconds(301))).isEqualTo(NonceCheck.REPLAYED);
    }

    @Test
    void trackingIsCappedAndForgottenNoncesAreStaleNeverReplayable() {
        int cap = 20;
        NonceService s = new NonceService(SECRET, Duration.ofSeconds(300), cap, List.of());
        String first = s.issue("r", T0);
        assertThat(s.check(first, "r", 1, T0)).isEqualTo(NonceCheck.VALID);
        for (int i = 1; i <= 200; i++) {
            Instant t = T0.plusMillis(i);
            assertThat(s.check(s.issue("r", t), "r", 1, t)).isEqualTo(NonceCheck.VALID);
            assertThat(s.trackedNonces()).isLessThanOrEqualTo(cap);
        }
        // the first nonce was forgotten: replaying nc=1 must not pass; the client is sent for a new nonce
        assertThat(s.check(first, "r", 1, T0.plusSeconds(1))).isEqualTo(NonceCheck.STALE);
        assertThat(s.check(first, "r", 2, T0.plusSeconds(1))).isEqualTo(NonceCheck.STALE);
    }

    @Test
    void concurrentUsesOfOneCountAcceptExactlyOne() throws Exception {
        String n = nonces.issue("r", T0);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (long nc = 1; nc <= 200; nc++) {
                long count = nc;
                AtomicInteger valid = new AtomicInteger();
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    all.add(pool.submit(() -> {
                        if (nonces.check(n, "r", count, T0) == NonceCheck.VALID) {
                            valid.incrementAndGet();
                        }
                    }));
                }
                for (Future<?> f : all) {
                    f.get(5, TimeUnit.SECONDS);
                }
                assertThat(valid.get()).as("nc %d", nc).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
