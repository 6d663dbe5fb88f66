package io.switchboard.sip.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.stack.Slf4jStackLogger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import javax.sip.SipFactory;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ProxyAuthenticateHeader;
import javax.sip.header.WWWAuthenticateHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DigestChallengerTest {
    static final byte[] SECRET = "0123456789abcdef-pool-secret".getBytes(StandardCharsets.UTF_8);
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static HeaderFactory headers;

    private final NonceService nonces = new NonceService(SECRET);
    private final DigestChallenger challenger = new DigestChallenger(nonces);

    @BeforeAll
    static void factory() throws Exception {
        Slf4jStackLogger.install();
        headers = SipFactory.getInstance().createHeaderFactory();
    }

    @Test
    void offersSha256FirstThenMd5WithOneNonce() {
        List<Header> h = challenger.challengeHeaders(headers, "biloxi.com", false, false, T0);
        assertThat(h)
                .hasSize(2)
                .allMatch(x -> x instanceof WWWAuthenticateHeader && !(x instanceof ProxyAuthenticateHeader));
        WWWAuthenticateHeader sha = (WWWAuthenticateHeader) h.get(0);
        WWWAuthenticateHeader md5 = (WWWAuthenticateHeader) h.get(1);
        assertThat(sha.getAlgorithm()).isEqualTo("SHA-256");
        assertThat(md5.getAlgorithm()).isEqualTo("MD5");
        assertThat(sha.getNonce()).isEqualTo(md5.getNonce());
        assertThat(nonces.authenticate(sha.getNonce(), "biloxi.com", T0)).isEqualTo(NonceCheck.VALID);
        assertThat(sha.isStale()).isFalse();
        String wire = sha.toString().strip();
        assertThat(wire)
                .startsWith("WWW-Authenticate: Digest ")
                .contains(
                        "realm=\"biloxi.com\"", "nonce=\"" + sha.getNonce() + "\"", "algorithm=SHA-256", "qop=\"auth\"")
                .doesNotContain("stale");
    }

    @Test
    void proxyChallengeIsProxyAuthenticateWithStale() {
        List<Header> h = challenger.challengeHeaders(headers, "biloxi.com", true, true, T0);
        assertThat(h).hasSize(2).allMatch(x -> x instanceof ProxyAuthenticateHeader);
        ProxyAuthenticateHeader p = (ProxyAuthenticateHeader) h.get(0);
        assertThat(p.isStale()).isTrue();
        assertThat(p.toString().strip())
                .startsWith("Proxy-Authenticate: Digest ")
                .containsIgnoringCase("stale=true");
    }

    @Test
    void headerValueMatchesWhatTheRiEncodes() throws Exception {
        Challenge c = new Challenge("bi\"loxi", "abc", DigestAlgorithm.SHA_256, true, "op");
        assertThat(c.headerValue())
                .isEqualTo(
                        "Digest realm=\"bi\\\"loxi\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\", stale=true, opaque=\"op\"");
        WWWAuthenticateHeader parsed = (WWWAuthenticateHeader) headers.createHeader(
                "WWW-Authenticate", new Challenge("biloxi.com", "abc", DigestAlgorithm.MD5, true, "op").headerValue());
        assertThat(parsed.getRealm()).isEqualTo("biloxi.com");
        assertThat(parsed.getAlgorithm()).isEqualTo("MD5");
        assertThat(parsed.getQop()).isEqualTo("auth");
        assertThat(parsed.isStale()).isTrue();
        assertThat(parsed.getOpaque()).isEqualTo("op");
    }

    @Test
    void clientAnsweringTheChallengeIsAccepted() throws Exception {
        WWWAuthenticateHeader ch = (WWWAuthenticateHeader) challenger
                .challengeHeaders(headers, "biloxi.com", false, false, T0)
                .get(0);
        DigestAlgorithm a = DigestAlgorithm.fromToken(ch.getAlgorithm()).orElseThrow();
        String ha1 = a.ha1("bob", ch.getRealm(), "zanzibar");
        String response =
                DigestVerifier.response(a, ha1, ch.getNonce(), "00000001", "c", "auth", "REGISTER", "sip:biloxi.com");
        javax.sip.header.AuthorizationHeader auth = headers.createAuthorizationHeader("Digest");
        auth.setUsername("bob");
        auth.setRealm(ch.getRealm());
        auth.setNonce(ch.getNonce());
        auth.setURI(SipFactory.getInstance().createAddressFactory().createURI("sip:biloxi.com"));
        auth.setResponse(response);
        auth.setAlgorithm(a.token());
        auth.setQop("auth");
        auth.setNonceCount(1);
        auth.setCNonce("c");
        DigestResponse r = DigestResponse.from(auth).response().orElseThrow();
        assertThat(new DigestVerifier(nonces, SECRET).verify(r, "REGISTER", "biloxi.com", ha1, T0))
                .isEqualTo(Verdict.OK);
    }

    @Test
    void canOfferSha256Only() {
        DigestChallenger strict = new DigestChallenger(nonces, List.of(DigestAlgorithm.SHA_256));
        assertThat(strict.challenges("biloxi.com", false, T0))
                .singleElement()
                .extracting(Challenge::algorithm)
                .isEqualTo(DigestAlgorithm.SHA_256);
    }
}
