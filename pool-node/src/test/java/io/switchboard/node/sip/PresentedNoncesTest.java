package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.auth.NonceService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which credentials earn a challenged flow's later shedding: a nonce this pool issued, not any
 * header a stranger can write.
 */
class PresentedNoncesTest {

    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    static final byte[] SECRET = "node-secret-of-32-bytes-at-least!".getBytes(StandardCharsets.UTF_8);
    final NonceService nonces = new NonceService(SECRET, Duration.ofSeconds(300));
    final PresentedNonces presented = new PresentedNonces(nonces, Clock.fixed(NOW, ZoneOffset.UTC));

    static String digest(String header, String realm, String nonce) {
        return header + ": Digest username=\"alice\", realm=\"" + realm + "\", nonce=\"" + nonce
                + "\", uri=\"sip:example.test\", response=\"00000000000000000000000000000000\"\r\n";
    }

    boolean credentialed(String extra) throws Exception {
        return presented.test(SipFrontEndTest.parse(
                "REGISTER sip:example.test", "<sip:alice@example.test>", "<sip:alice@example.test>", extra));
    }

    @Test
    void a_nonce_the_pool_issued_counts_in_either_header() throws Exception {
        String issued = nonces.issue("example.test", NOW.minusSeconds(2));
        assertThat(credentialed(digest("Authorization", "example.test", issued)))
                .isTrue();
        assertThat(credentialed(digest("Proxy-Authorization", "example.test", issued)))
                .isTrue();
        String old = nonces.issue("example.test", NOW.minusSeconds(600));
        assertThat(credentialed(digest("Authorization", "example.test", old)))
                .as("stale but ours: the phone is re-challenged with stale=true, a second leg all the same")
                .isTrue();
    }

    @Test
    void a_header_anyone_can_write_does_not() throws Exception {
        assertThat(credentialed("")).as("no credentials").isFalse();
        assertThat(credentialed(digest("Authorization", "example.test", "x"))).isFalse();
        String forged = "A".repeat(43);
        assertThat(credentialed(digest("Authorization", "example.test", forged)))
                .isFalse();
        String issued = nonces.issue("example.test", NOW);
        assertThat(credentialed(digest("Authorization", "other.test", issued)))
                .as("issued for another realm")
                .isFalse();
        String foreign = new NonceService("another-pools-secret-of-32-bytes".getBytes(StandardCharsets.UTF_8))
                .issue("example.test", NOW);
        assertThat(credentialed(digest("Authorization", "example.test", foreign)))
                .isFalse();
    }

    @Test
    void only_the_first_few_headers_cost_a_check() throws Exception {
        String issued = nonces.issue("example.test", NOW);
        StringBuilder many = new StringBuilder();
        for (String n : List.of("a", "b", "c", "d")) {
            many.append(digest("Authorization", "example.test", n));
        }
        assertThat(credentialed(many + digest("Authorization", "example.test", issued)))
                .as("an authentic nonce behind %d bogus headers is not looked at", PresentedNonces.MAX_HEADERS)
                .isFalse();
        assertThat(credentialed(digest("Authorization", "example.test", "a")
                        + digest("Proxy-Authorization", "example.test", issued)))
                .isTrue();
    }
}
