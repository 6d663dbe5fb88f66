package io.switchboard.sip.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BlacklistTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final SipTarget A = new SipTarget("a.test", "192.0.2.1", 5060, "udp");
    private static final SipTarget B = new SipTarget("b.test", "192.0.2.2", 5060, "udp");

    /** seconds after the failure -> still blocked; Retry-After (or none) decides for how long. */
    @ParameterizedTest(name = "Retry-After {0}, {1} s later: blocked {2}")
    @CsvSource({
        ",     0,    true",
        ",     29,   true",
        ",     30,   false", // the configured 30 s
        "5,    4,    true",
        "5,    5,    false", // a shorter Retry-After is honoured
        "120,  119,  true",
        "120,  120,  false", // a longer one too
        "0,    0,    true", // at least 1 s
        "0,    1,    false",
        "7200, 299,  true", // at most 5 min
        "7200, 300,  false",
    })
    void blockedForTheConfiguredTimeOrTheRetryAfter(Integer retryAfter, int later, boolean blocked) {
        Blacklist list = new Blacklist(Duration.ofSeconds(30));
        list.failed(A, retryAfter == null ? null : Duration.ofSeconds(retryAfter), T0);
        assertThat(list.blocked(A, T0.plusSeconds(later))).isEqualTo(blocked);
        assertThat(list.blocked(B, T0)).isFalse();
    }

    @Test
    void blockedTargetsAreSkippedUnlessAllAre() {
        Blacklist list = new Blacklist(Duration.ofSeconds(30));
        list.failed(A, null, T0);
        assertThat(list.filter(List.of(A, B), T0)).containsExactly(B);
        list.failed(B, null, T0);
        assertThat(list.filter(List.of(A, B), T0)).containsExactly(A, B);
        list.succeeded(A);
        assertThat(list.filter(List.of(A, B), T0)).containsExactly(A);
    }

    @Test
    void theSameAddressUnderAnotherNameIsTheSameTarget() {
        Blacklist list = new Blacklist(Duration.ofSeconds(30));
        list.failed(A, null, T0);
        assertThat(list.blocked(new SipTarget("other.test", "192.0.2.1", 5060, "udp"), T0))
                .isTrue();
        assertThat(list.blocked(new SipTarget("a.test", "192.0.2.1", 5060, "tcp"), T0))
                .isFalse();
    }

    @Test
    void zeroTimeDisablesTheList() {
        Blacklist list = new Blacklist(Duration.ZERO);
        list.failed(A, Duration.ofSeconds(60), T0);
        assertThat(list.blocked(A, T0)).isFalse();
    }
}
