package io.switchboard.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class DigestVerifierTest {
    static final byte[] SECRET = "0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8);
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    static final String REALM = "biloxi.com";
    static final String URI = "sip:biloxi.com";

    final NonceService nonces = new NonceService(SECRET);
    final AuthCounters counters = new AuthCounters();
    final DigestVerifier verifier = new DigestVerifier(nonces, SECRET, counters);

    /** What a well-behaved client sends for {@code password}. */
    static DigestResponse answer(
            DigestAlgorithm a,
            String user,
            String realm,
            String password,
            String nonce,
            String method,
            String nc,
            String qop) {
        String ha1 = a.ha1(user, realm, password);
        String response = DigestVerifier.response(a, ha1, nonce, nc, "cn0nce", qop, method, URI);
        return new DigestResponse(user, realm, nonce, URI, response, a, qop, nc, "cn0nce", null);
    }

    static String ha1(DigestAlgorithm a) {
        return a.ha1("bob", REALM, "zanzibar");
    }

    interface Case {
        Verdict run(NonceService nonces, DigestVerifier v, DigestAlgorithm a);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("right password", Verdict.OK, (Case) (n, v, a) -> v.verify(
                        answer(a, "bob", REALM, "zanzibar", n.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                        "REGISTER",
                        REALM,
                        ha1(a),
                        T0.plusSeconds(2))),
                Arguments.of("wrong password", new Verdict.Failed(AuthFailure.BAD_CREDENTIALS), (Case)
                        (n, v, a) -> v.verify(
                                answer(a, "bob", REALM, "guess", n.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0)),
                Arguments.of("unknown user", new Verdict.Failed(AuthFailure.BAD_CREDENTIALS), (Case)
                        (n, v, a) -> v.verify(
                                answer(
                                        a,
                                        "mallory",
                                        REALM,
                                        "guess",
                                        n.issue(REALM, T0),
                                        "REGISTER",
                                        "00000001",
                                        "auth"),
                                "REGISTER",
                                REALM,
                                null,
                                T0)),
                Arguments.of("wrong method", new Verdict.Failed(AuthFailure.BAD_CREDENTIALS), (Case)
                        (n, v, a) -> v.verify(
                                answer(a, "bob", REALM, "zanzibar", n.issue(REALM, T0), "INVITE", "00000001", "auth"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0)),
                Arguments.of("stale nonce, right password", Verdict.STALE, (Case) (n, v, a) -> v.verify(
                        answer(a, "bob", REALM, "zanzibar", n.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                        "REGISTER",
                        REALM,
                        ha1(a),
                        T0.plusSeconds(301))),
                Arguments.of("stale nonce, wrong password", new Verdict.Failed(AuthFailure.BAD_CREDENTIALS), (Case)
                        (n, v, a) -> v.verify(
                                answer(a, "bob", REALM, "guess", n.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0.plusSeconds(301))),
                Arguments.of("stale nonce, unknown user", new Verdict.Failed(AuthFailure.BAD_CREDENTIALS), (Case)
                        (n, v, a) -> v.verify(
                                answer(
                                        a,
                                        "mallory",
                                        REALM,
                                        "guess",
                                        n.issue(REALM, T0),
                                        "REGISTER",
                                        "00000001",
                                        "auth"),
                                "REGISTER",
                                REALM,
                                null,
                                T0.plusSeconds(301))),
                Arguments.of(
                        "forged nonce", new Verdict.Failed(AuthFailure.INVALID_NONCE), (Case) (n, v, a) -> v.verify(
                                answer(
                                        a,
                                        "bob",
                                        REALM,
                                        "zanzibar",
                                        "7ypf_xlj9XXwfDPEoM4URrv_xwf94BcCAzFZH4GiTo0",
                                        "REGISTER",
                                        "00000001",
                                        "auth"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0)),
                Arguments.of("nonce of another realm", new Verdict.Failed(AuthFailure.INVALID_NONCE), (Case)
                        (n, v, a) -> v.verify(
                                answer(
                                        a,
                                        "bob",
                                        REALM,
                                        "zanzibar",
                                        n.issue("atlanta.com", T0),
                                        "REGISTER",
                                        "00000001",
                                        "auth"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0)),
                Arguments.of("realm mismatch", new Verdict.Failed(AuthFailure.REALM_MISMATCH), (Case)
                        (n, v, a) -> v.verify(
                                answer(
                                        a,
                                        "bob",
                                        "atlanta.com",
                                        "zanzibar",
                                        n.issue("atlanta.com", T0),
                                        "REGISTER",
                                        "00000001",
                                        "auth"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0)),
                Arguments.of("no qop (RFC 2069)", new Verdict.Failed(AuthFailure.QOP_MISSING), (Case) (n, v, a) -> {
                    String nonce = n.issue(REALM, T0);
                    String response = a.hashHex(ha1(a) + ":" + nonce + ":" + a.hashHex("REGISTER:" + URI));
                    return v.verify(
                            new DigestResponse("bob", REALM, nonce, URI, response, a, null, null, null, null),
                            "REGISTER",
                            REALM,
                            ha1(a),
                            T0);
                }),
                Arguments.of("qop auth-int", new Verdict.Failed(AuthFailure.QOP_UNSUPPORTED), (Case)
                        (n, v, a) -> v.verify(
                                answer(
                                        a,
                                        "bob",
                                        REALM,
                                        "zanzibar",
                                        n.issue(REALM, T0),
                                        "REGISTER",
                                        "00000001",
                                        "auth-int"),
                                "REGISTER",
                                REALM,
                                ha1(a),
                                T0)),
                Arguments.of("replayed nc", new Verdict.Failed(AuthFailure.REPLAYED), (Case) (n, v, a) -> {
                    DigestResponse r =
                            answer(a, "bob", REALM, "zanzibar", n.issue(REALM, T0), "REGISTER", "00000001", "auth");
                    assertThat(v.verify(r, "REGISTER", REALM, ha1(a), T0)).isEqualTo(Verdict.OK);
                    return v.verify(r, "REGISTER", REALM, ha1(a), T0.plusSeconds(1));
                }),
                Arguments.of("increasing nc", Verdict.OK, (Case) (n, v, a) -> {
                    String nonce = n.issue(REALM, T0);
                    for (String nc : new String[] {"00000001", "00000002", "0000000a"}) {
                        assertThat(v.verify(
                                        answer(a, "bob", REALM, "zanzibar", nonce, "REGISTER", nc, "auth"),
                                        "REGISTER",
                                        REALM,
                                        ha1(a),
                                        T0))
                                .as(nc)
                                .isEqualTo(Verdict.OK);
                    }
                    return v.verify(
                            answer(a, "bob", REALM, "zanzibar", nonce, "INVITE", "0000000b", "auth"),
                            "INVITE",
                            REALM,
                            ha1(a),
                            T0.plusSeconds(60));
                }),
                Arguments.of("wrong password cannot poison the owner's nc", Verdict.OK, (Case) (n, v, a) -> {
                    String nonce = n.issue(REALM, T0);
                    assertThat(v.verify(
                                    answer(a, "bob", REALM, "guess", nonce, "REGISTER", "ffffffff", "auth"),
                                    "REGISTER",
                                    REALM,
                                    ha1(a),
                                    T0))
                            .isEqualTo(new Verdict.Failed(AuthFailure.BAD_CREDENTIALS));
                    return v.verify(
                            answer(a, "bob", REALM, "zanzibar", nonce, "REGISTER", "00000001", "auth"),
                            "REGISTER",
                            REALM,
                            ha1(a),
                            T0);
                }),
                Arguments.of("upper-case HA1 from the store", Verdict.OK, (Case) (n, v, a) -> v.verify(
                        answer(a, "bob", REALM, "zanzibar", n.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                        "REGISTER",
                        REALM,
                        ha1(a).toUpperCase(Locale.ROOT),
                        T0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sha256(String name, Verdict expected, Case c) {
        assertThat(c.run(nonces, verifier, DigestAlgorithm.SHA_256)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void md5(String name, Verdict expected, Case c) {
        assertThat(c.run(nonces, verifier, DigestAlgorithm.MD5)).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(DigestAlgorithm.class)
    void unknownUserIsIndistinguishableFromWrongPassword(DigestAlgorithm a) {
        String nonce = nonces.issue(REALM, T0);
        Verdict known = verifier.verify(
                answer(a, "bob", REALM, "guess", nonce, "REGISTER", "00000001", "auth"), "REGISTER", REALM, ha1(a), T0);
        Verdict unknown = verifier.verify(
                answer(a, "nobody", REALM, "guess", nonce, "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                null,
                T0);
        assertThat(unknown).isEqualTo(known);
        // and a client guessing for the unknown user never gets in, whatever it sends
        String anyResponse = answer(a, "nobody", REALM, "", nonce, "REGISTER", "00000002", "auth")
                .response();
        assertThat(verifier.verify(
                        new DigestResponse(
                                "nobody", REALM, nonce, URI, anyResponse, a, "auth", "00000002", "cn0nce", null),
                        "REGISTER",
                        REALM,
                        null,
                        T0))
                .isInstanceOf(Verdict.Failed.class);
    }

    @Test
    void parsedHeaderFromAClientVerifies() {
        String nonce = nonces.issue(REALM, T0);
        String ha1 = ha1(DigestAlgorithm.SHA_256);
        String response = DigestVerifier.response(
                DigestAlgorithm.SHA_256, ha1, nonce, "00000001", "0a4f113b", "auth", "REGISTER", URI);
        String header = "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"" + nonce + "\", uri=\"" + URI
                + "\", response=\"" + response + "\", algorithm=SHA-256, cnonce=\"0a4f113b\", qop=auth, nc=00000001";
        DigestResponse r = DigestResponse.parse(header).response().orElseThrow();
        assertThat(verifier.verify(r, "REGISTER", REALM, ha1, T0)).isEqualTo(Verdict.OK);
    }

    @Test
    void countsOutcomes() {
        DigestAlgorithm a = DigestAlgorithm.MD5;
        verifier.verify(
                answer(a, "bob", REALM, "zanzibar", nonces.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                ha1(a),
                T0);
        verifier.verify(
                answer(a, "bob", REALM, "nope", nonces.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                ha1(a),
                T0);
        verifier.verify(
                answer(a, "x", REALM, "nope", nonces.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                null,
                T0);
        verifier.verify(
                answer(a, "bob", REALM, "zanzibar", nonces.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                ha1(a),
                T0.plusSeconds(1000));
        assertThat(counters.successCount()).isEqualTo(1);
        assertThat(counters.failureCount(AuthFailure.BAD_CREDENTIALS)).isEqualTo(2);
        assertThat(counters.staleCount()).isEqualTo(1);
    }
    /**
     * No user enumeration by timing (README): checking a wrong password of a known user and any
     * password of an unknown one hashes the same inputs, in the same order, with the same lengths
     * (names of equal length). Counted, not timed.
     */
    @ParameterizedTest
    @EnumSource(DigestAlgorithm.class)
    void aKnownAndAnUnknownUserCostTheSameHashing(DigestAlgorithm a) {
        java.util.List<String> work = new java.util.ArrayList<>();
        DigestVerifier.Hashing counting = new DigestVerifier.Hashing() {
            @Override
            public String hashHex(DigestAlgorithm algorithm, String text) {
                work.add("hash " + algorithm + " " + text.length());
                return algorithm.hashHex(text);
            }

            @Override
            public byte[] mac(io.switchboard.sip.crypto.Hmac key, byte[]... parts) {
                int length = 0;
                for (byte[] part : parts) {
                    length += part.length;
                }
                work.add("mac " + length);
                return key.mac(parts);
            }
        };
        DigestVerifier v = new DigestVerifier(nonces, SECRET, AuthEvents.NONE, counting);

        Verdict known = v.verify(
                answer(a, "bob", REALM, "guess", nonces.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                ha1(a),
                T0.plusSeconds(1));
        java.util.List<String> knownWork = java.util.List.copyOf(work);
        work.clear();
        Verdict unknown = v.verify(
                answer(a, "eve", REALM, "guess", nonces.issue(REALM, T0), "REGISTER", "00000001", "auth"),
                "REGISTER",
                REALM,
                null,
                T0.plusSeconds(1));

        assertThat(unknown).isEqualTo(known).isEqualTo(new Verdict.Failed(AuthFailure.BAD_CREDENTIALS));
        assertThat(knownWork).as("a fake HA1 and both hashes of the response").hasSize(3);
        assertThat(work).isEqualTo(knownWork);
    }
}
