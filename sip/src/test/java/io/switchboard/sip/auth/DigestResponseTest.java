package io.switchboard.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.stack.Slf4jStackLogger;
import javax.sip.SipFactory;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ProxyAuthorizationHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DigestResponseTest {
    private static final String OK = "Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"n1\", "
            + "uri=\"sip:biloxi.com\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, "
            + "qop=auth, nc=00000001, cnonce=\"c1\"";

    private static HeaderFactory headers;

    @BeforeAll
    static void factory() throws Exception {
        Slf4jStackLogger.install();
        headers = SipFactory.getInstance().createHeaderFactory();
    }

    @Test
    void parsesCompleteResponse() {
        DigestResponse r = DigestResponse.parse(OK).response().orElseThrow();
        assertThat(r)
                .isEqualTo(new DigestResponse(
                        "bob",
                        "biloxi.com",
                        "n1",
                        "sip:biloxi.com",
                        "0123456789abcdef0123456789abcdef",
                        DigestAlgorithm.MD5,
                        "auth",
                        "00000001",
                        "c1",
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no nonce            | Digest username=\"bob\", realm=\"r\", uri=\"sip:r\", response=\"ab\"                       | Authorization lacks nonce",
                "no username         | Digest realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\"                            | Authorization lacks username",
                "no realm            | Digest username=\"b\", nonce=\"n\", uri=\"sip:r\", response=\"ab\"                         | Authorization lacks realm",
                "no uri              | Digest username=\"b\", realm=\"r\", nonce=\"n\", response=\"ab\"                           | Authorization lacks uri",
                "no response         | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\"                            | Authorization lacks response",
                "MD5-sess            | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", algorithm=MD5-sess | unsupported algorithm MD5-sess",
                "SHA-512-256         | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", algorithm=SHA-512-256 | unsupported algorithm SHA-512-256",
                "Basic               | Basic Ym9iOnphbnppYmFy                                                                   | Authorization scheme Basic is not Digest",
                "qop without nc      | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", qop=auth, cnonce=\"c\" | Authorization with qop lacks nc",
                "qop without cnonce  | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", qop=auth, nc=00000001 | Authorization with qop lacks cnonce",
                "short nc            | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", qop=auth, nc=1, cnonce=\"c\" | Authorization nc is not 8 hex digits",
                "non-hex response    | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"xyz\"           | Authorization response is not hex",
                "userhash            | Digest username=\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\", userhash=true | Authorization uses userhash, which is not supported",
                "duplicate nonce     | Digest username=\"b\", realm=\"r\", nonce=\"n\", nonce=\"m\", uri=\"sip:r\", response=\"ab\" | Authorization is malformed: duplicate parameter nonce",
                "unterminated quote  | Digest username=\"b, realm=\"r\"                                                           | Authorization is malformed: missing comma after username",
                "open quote at end   | Digest username=\"b                                                                      | Authorization is malformed: unterminated quoted value of username",
                "no equals           | Digest username                                                                          | Authorization is malformed: malformed parameter near 'username'",
            })
    void rejectsWithReason(String name, String header, String reason) {
        DigestResponse.Parsed p = DigestResponse.parse(header.strip());
        assertThat(p).isEqualTo(new DigestResponse.Parsed.Invalid(reason.strip()));
        assertThat(p.response()).isEmpty();
    }

    @Test
    void missingAlgorithmMeansMd5AndQuotedQopIsAccepted() {
        DigestResponse r = DigestResponse.parse("digest USERNAME=\"b\",realm=\"r\",nonce=\"n\",uri=\"sip:r\","
                        + "response=\"AB\",qop=\"AUTH\",nc=0000000a,cnonce=\"c\"")
                .response()
                .orElseThrow();
        assertThat(r.algorithm()).isEqualTo(DigestAlgorithm.MD5);
        assertThat(r.qop()).isEqualTo("auth");
        assertThat(r.response()).isEqualTo("ab");
        assertThat(r.nonceCount()).isEqualTo(10);
    }

    @Test
    void unescapesQuotedPairs() {
        DigestResponse r = DigestResponse.parse("Digest username=\"a\\\"b\\\\c\", realm=\"r\", nonce=\"n\", "
                        + "uri=\"sip:r\", response=\"ab\"")
                .response()
                .orElseThrow();
        assertThat(r.username()).isEqualTo("a\"b\\c");
        assertThat(r.qop()).isNull();
        assertThat(r.nonceCount()).isEqualTo(-1);
    }

    @Test
    void readsJainSipAuthorizationHeader() throws Exception {
        AuthorizationHeader h = (AuthorizationHeader) headers.createHeader("Authorization", OK.substring(0));
        assertThat(DigestResponse.from(h)).isEqualTo(DigestResponse.parse(OK));
    }

    @Test
    void readsJainSipProxyAuthorizationHeaderAndNamesIt() throws Exception {
        ProxyAuthorizationHeader h = (ProxyAuthorizationHeader) headers.createHeader("Proxy-Authorization", OK);
        assertThat(DigestResponse.from(h)).isEqualTo(DigestResponse.parse(OK));
        ProxyAuthorizationHeader bad = (ProxyAuthorizationHeader) headers.createHeader(
                "Proxy-Authorization",
                "Digest username=\"bob\", realm=\"biloxi.com\", uri=\"sip:biloxi.com\", response=\"ab\"");
        assertThat(DigestResponse.from(bad))
                .isEqualTo(new DigestResponse.Parsed.Invalid("Proxy-Authorization lacks nonce"));
    }

    @Test
    void jainSipHeaderWithSha256AndSipUriWithParameters() throws Exception {
        String value = "Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"n2\", "
                + "uri=\"sip:alice@atlanta.com;transport=tcp\", response=\"" + "ab".repeat(32) + "\", "
                + "algorithm=SHA-256, qop=auth, nc=ffffffff, cnonce=\"xyz\", opaque=\"op\"";
        AuthorizationHeader h = (AuthorizationHeader) headers.createHeader("Authorization", value);
        DigestResponse r = DigestResponse.from(h).response().orElseThrow();
        assertThat(r).isEqualTo(DigestResponse.parse(value).response().orElseThrow());
        assertThat(r.uri()).isEqualTo("sip:alice@atlanta.com;transport=tcp");
        assertThat(r.nonceCount()).isEqualTo(0xffffffffL);
    }

    @Test
    void jainSipHeaderWithEscapedQuoteInUsername() throws Exception {
        String value = "Digest username=\"a\\\"b\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"ab\"";
        AuthorizationHeader h = (AuthorizationHeader) headers.createHeader("Authorization", value);
        assertThat(DigestResponse.from(h).response().orElseThrow().username()).isEqualTo("a\"b");
    }
}
