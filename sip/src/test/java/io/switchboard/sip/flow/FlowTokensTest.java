package io.switchboard.sip.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FlowTokensTest {
    static final byte[] SECRET = "0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8);
    final FlowTokens tokens = new FlowTokens(SECRET);

    static Stream<FlowTuple> flows() {
        return Stream.of(
                new FlowTuple("node-1", "TCP", "10.0.0.5", 5060, "192.0.2.33", 49152),
                new FlowTuple("node-2", "tls", "10.0.0.6", 5061, "198.51.100.200", 65535),
                new FlowTuple("n", "UDP", "0.0.0.0", 0, "255.255.255.255", 1),
                new FlowTuple(
                        "pool-node-3.switchboard.svc", "WSS", "0:0:0:0:0:0:0:1", 443, "2001:db8:0:0:0:0:0:7", 51000),
                new FlowTuple("node-1", "TCP", "::1", 5060, "fe80::1%eth0", 5060),
                new FlowTuple("node-1", "SCTP", "sip.example.com", 5060, "10.0.0.1", 5060),
                new FlowTuple("nöde-ü", "X-QUIC", "10.1.2.3", 5060, "010.1.2.3", 5060));
    }

    @ParameterizedTest
    @MethodSource("flows")
    void roundTrips(FlowTuple f) {
        String t = tokens.encode(f);
        assertThat(t).matches("[A-Za-z0-9_-]+");
        assertThat(tokens.decode(t)).contains(f);
        assertThat(new FlowTokens(SECRET).decode(t)).as("another node").contains(f);
    }

    @Test
    void typicalTokenIsShort() {
        String t = tokens.encode(new FlowTuple("node-1", "TCP", "10.0.0.5", 5060, "192.0.2.33", 49152));
        assertThat(t.length()).isLessThanOrEqualTo(60);
    }

    @Test
    void transportIsUpperCased() {
        assertThat(new FlowTuple("n", "tcp", "10.0.0.1", 1, "10.0.0.2", 2).transport())
                .isEqualTo("TCP");
    }

    @ParameterizedTest
    @MethodSource("flows")
    void anyAlteredCharacterIsRejected(FlowTuple f) {
        String t = tokens.encode(f);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i) == 'A' ? 'B' : 'A';
            String altered = t.substring(0, i) + c + t.substring(i + 1);
            assertThat(tokens.decode(altered)).as("position %d", i).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("flows")
    void onlyTheCanonicalBase64SpellingIsAccepted(FlowTuple f) {
        String t = tokens.encode(f);
        int unusedBits = t.length() * 6 - Base64.getUrlDecoder().decode(t).length * 8;
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(t.charAt(t.length() - 1));
        for (int bits = 1; bits < (1 << unusedBits); bits++) {
            String variant = t.substring(0, t.length() - 1) + alphabet.charAt(last | bits);
            assertThat(tokens.decode(variant)).isEmpty();
        }
    }

    @Test
    void truncatedOrExtendedIsRejected() {
        String t = tokens.encode(new FlowTuple("node-1", "TCP", "10.0.0.5", 5060, "192.0.2.33", 49152));
        for (int len = 0; len < t.length(); len++) {
            assertThat(tokens.decode(t.substring(0, len))).as("length %d", len).isEmpty();
        }
        assertThat(tokens.decode(t + "A")).isEmpty();
        assertThat(tokens.decode(t + "AAAA")).isEmpty();
    }

    @Test
    void anotherSecretCannotMintTokens() {
        FlowTokens attacker = new FlowTokens("not-the-pool-secret-at-all".getBytes(StandardCharsets.UTF_8));
        String forged = attacker.encode(new FlowTuple("node-1", "TCP", "10.0.0.5", 5060, "192.0.2.66", 40000));
        assertThat(tokens.decode(forged)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "!", "abc", "====", "bob", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void garbageIsRejected(String garbage) {
        assertThat(tokens.decode(garbage)).isEmpty();
    }

    @Test
    void hugeInputIsRejectedWithoutDecoding() {
        assertThat(tokens.decode("A".repeat(100_000))).isEmpty();
        assertThat(tokens.decode(null)).isEmpty();
    }

    @Test
    void validTokenWithUnknownVersionIsRejected() throws Exception {
        // sign a payload whose version byte is 2 with the real secret: authentic but not understood
        String t = tokens.encode(new FlowTuple("node-1", "TCP", "10.0.0.5", 5060, "192.0.2.33", 49152));
        byte[] raw = Base64.getUrlDecoder().decode(t);
        raw[0] = 2;
        assertThat(tokens.decode(Base64.getUrlEncoder().withoutPadding().encodeToString(raw)))
                .isEmpty();
    }

    @Test
    void flowValidatesItsFields() {
        assertThatThrownBy(() -> new FlowTuple("", "TCP", "a", 1, "b", 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FlowTuple("n", "TCP", "a", 65536, "b", 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FlowTuple("n", "TCP", "a", 1, "b", -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FlowTuple("x".repeat(256), "TCP", "a", 1, "b", 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
