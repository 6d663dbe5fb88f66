package io.switchboard.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Published request-digest values, so the hash composition is checked against the RFCs, not itself. */
class DigestVectorsTest {

    static Stream<Arguments> vectors() {
        String rfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
        String rfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        return Stream.of(
                // RFC 7616 section 3.9.1, MD5
                Arguments.of(
                        "RFC 7616 3.9.1 MD5",
                        DigestAlgorithm.MD5,
                        "Mufasa",
                        "http-auth@example.org",
                        "Circle of Life",
                        "GET",
                        "/dir/index.html",
                        rfc7616Nonce,
                        "00000001",
                        rfc7616Cnonce,
                        "8ca523f5e9506fed4657c9700eebdbec"),
                // RFC 7616 section 3.9.1, SHA-256
                Arguments.of(
                        "RFC 7616 3.9.1 SHA-256",
                        DigestAlgorithm.SHA_256,
                        "Mufasa",
                        "http-auth@example.org",
                        "Circle of Life",
                        "GET",
                        "/dir/index.html",
                        rfc7616Nonce,
                        "00000001",
                        rfc7616Cnonce,
                        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
                // RFC 2617 section 3.5 (note "Circle Of Life" with a capital O there)
                Arguments.of(
                        "RFC 2617 3.5 MD5",
                        DigestAlgorithm.MD5,
                        "Mufasa",
                        "testrealm@host.com",
                        "Circle Of Life",
                        "GET",
                        "/dir/index.html",
                        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                        "00000001",
                        "0a4f113b",
                        "6629fae49393a05397450978507c4ef1"),
                // a SIP REGISTER in the RFC 3261 example domain; expected values computed independently
                // with Python hashlib
                Arguments.of(
                        "SIP REGISTER MD5",
                        DigestAlgorithm.MD5,
                        "bob",
                        "biloxi.com",
                        "zanzibar",
                        "REGISTER",
                        "sip:biloxi.com",
                        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                        "00000001",
                        "0a4f113b",
                        "9e2d1006810044fd79f39476209ae31a"),
                Arguments.of(
                        "SIP REGISTER SHA-256",
                        DigestAlgorithm.SHA_256,
                        "bob",
                        "biloxi.com",
                        "zanzibar",
                        "REGISTER",
                        "sip:biloxi.com",
                        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                        "00000001",
                        "0a4f113b",
                        "93e0e23c30bf2e3b139a3410a7edc9a5b15b1cfd8fd557ca8ee303e4372339a1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void responseMatchesPublishedValue(
            String name,
            DigestAlgorithm algorithm,
            String user,
            String realm,
            String password,
            String method,
            String uri,
            String nonce,
            String nc,
            String cnonce,
            String expected) {
        String ha1 = algorithm.ha1(user, realm, password);
        assertThat(DigestVerifier.response(algorithm, ha1, nonce, nc, cnonce, "auth", method, uri))
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void publishedAuthorizationHeaderParses(
            String name,
            DigestAlgorithm algorithm,
            String user,
            String realm,
            String password,
            String method,
            String uri,
            String nonce,
            String nc,
            String cnonce,
            String expected) {
        String header = "Digest username=\"" + user + "\",\r\n realm=\"" + realm + "\", uri=\"" + uri
                + "\", algorithm=" + algorithm.token() + ", nonce=\"" + nonce + "\", nc=" + nc
                + ", cnonce=\"" + cnonce + "\", qop=auth, response=\"" + expected
                + "\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
        DigestResponse r = DigestResponse.parse(header).response().orElseThrow();
        assertThat(r)
                .isEqualTo(new DigestResponse(
                        user,
                        realm,
                        nonce,
                        uri,
                        expected,
                        algorithm,
                        "auth",
                        nc,
                        cnonce,
                        "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"));
        assertThat(r.nonceCount()).isEqualTo(1);
    }
}
