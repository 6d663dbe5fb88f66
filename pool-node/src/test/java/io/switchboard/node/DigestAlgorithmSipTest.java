package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Which digest challenges a client gets and which answers count (DigestPolicy), end to end:
 * example.test allows SHA-256 and MD5 (the pool default), other.test is SHA-256-only. A User-Agent
 * like baresip 1.0's narrows the offer to MD5 where MD5 is allowed, and never makes an MD5 answer
 * count in the SHA-256-only domain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DigestAlgorithmSipTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String BARESIP = "User-Agent: baresip v1.0.0 (x86_64/linux)";
    static final String TEST_AGENT = "User-Agent: switchboard-test";

    SwitchboardNode node;

    @BeforeAll
    void startNode() {
        node = TestNodes.start("digest_algorithms", """
                switchboard.auth.domain-algorithms = [ { domain = "other.test", algorithms = ["SHA-256"] } ]
                switchboard.bootstrap-users += { uri = "sip:dave@other.test", password = "dave-secret", name = "Dave" }
                """);
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void sha256OnlyDomainNeverTakesMd5WhateverTheUserAgentSays() throws Exception {
        try (SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            String contact = "Contact: <" + c.contactUri("dave") + ">";
            SipTestClient.Response challenge = c.request(asBaresip(c, "dave", "other.test", List.of(contact)), WAIT);
            assertThat(challenge.status()).isEqualTo(401);
            assertThat(challenge.all("WWW-Authenticate"))
                    .singleElement()
                    .satisfies(h -> assertThat(h).contains("algorithm=SHA-256"));

            // the right password, hashed with MD5 over the node's own nonce: as baresip 1.0 writes it
            // (no algorithm parameter, which means MD5) and with algorithm=MD5 spelled out
            String md5Challenge = challenge.header("WWW-Authenticate").replace("algorithm=SHA-256", "algorithm=MD5");
            String md5 =
                    SipTestClient.authorization(md5Challenge, "dave", "dave-secret", "REGISTER", "sip:other.test", 1);
            for (String credentials : List.of(md5.replace(", algorithm=MD5", ""), md5)) {
                SipTestClient.Response refused =
                        c.request(asBaresip(c, "dave", "other.test", List.of(contact, credentials)), WAIT);
                assertThat(refused.status()).as(credentials).isEqualTo(403);
            }
            assertThat(adminGet("/api/registrations?aor=sip:dave@other.test")).doesNotContain(c.contactUri("dave"));

            // the same account with the algorithm its domain allows registers
            String sha = SipTestClient.authorization(
                    challenge.header("WWW-Authenticate"), "dave", "dave-secret", "REGISTER", "sip:other.test", 1);
            SipTestClient.Response ok =
                    c.request(asBaresip(c, "dave", "other.test", List.of(contact, sha, "Expires: 300")), WAIT);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(adminGet("/api/registrations?aor=sip:dave@other.test")).contains(c.contactUri("dave"));
        }
    }

    @Test
    void baresipGetsOnlyMd5AndRegistersWithTheChallengeItTakes() throws Exception {
        try (SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            String contact = "Contact: <" + c.contactUri("alice") + ">";
            SipTestClient.Response challenge = c.request(asBaresip(c, "alice", "example.test", List.of(contact)), WAIT);
            assertThat(challenge.status()).isEqualTo(401);
            assertThat(challenge.all("WWW-Authenticate"))
                    .singleElement()
                    .satisfies(h -> assertThat(h).contains("algorithm=MD5"));

            // baresip 1.0 answers without an algorithm parameter (MD5, RFC 7616 section 3.3)
            String credentials = SipTestClient.authorization(
                            challenge.header("WWW-Authenticate"),
                            "alice",
                            "alice-secret",
                            "REGISTER",
                            "sip:example.test",
                            1)
                    .replace(", algorithm=MD5", "");
            SipTestClient.Response ok = c.request(
                    asBaresip(c, "alice", "example.test", List.of(contact, credentials, "Expires: 300")), WAIT);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(adminGet("/api/registrations?aor=sip:alice@example.test"))
                    .contains(c.contactUri("alice"));
        }
    }

    @Test
    void otherClientsKeepSha256FirstThenMd5() throws Exception {
        try (SipTestClient c = new SipTestClient("udp", "127.0.0.1", node.sipUdpPort())) {
            SipTestClient.Response challenge = c.request(
                    c.register("bob", "example.test", c.nextCseq(), List.of("Contact: <" + c.contactUri("bob") + ">")),
                    WAIT);
            assertThat(challenge.status()).isEqualTo(401);
            List<String> algorithms = new ArrayList<>();
            for (String h : challenge.all("WWW-Authenticate")) {
                algorithms.add(SipTestClient.challengeParams(h).get("algorithm"));
            }
            assertThat(algorithms).containsExactly("SHA-256", "MD5");
        }
    }

    /** A REGISTER with baresip 1.0's User-Agent instead of the test client's. */
    private static String asBaresip(SipTestClient c, String user, String domain, List<String> headers) {
        String request = c.register(user, domain, c.nextCseq(), headers);
        assertThat(request).contains(TEST_AGENT);
        return request.replace(TEST_AGENT, BARESIP);
    }

    private String adminGet(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
                                .header("Authorization", "Bearer " + TestNodes.TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }
}
