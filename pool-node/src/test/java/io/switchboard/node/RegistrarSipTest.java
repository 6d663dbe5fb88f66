package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.auth.NonceService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registrar end to end: real SIP over real UDP and TCP sockets to a real node on a real
 * Cassandra, asserting what a client relies on (status, headers) and what is stored.
 */
class RegistrarSipTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static SwitchboardNode node;

    @BeforeAll
    static void startNode() {
        node = TestNodes.start("registrar_sip", """
                switchboard.auth.throttle { per-account-source = 5, per-source = 1000 }
                """);
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    static SipTestClient client(String transport) throws Exception {
        int port = transport.equals("udp") ? node.sipUdpPort() : node.sipTcpPort();
        return new SipTestClient(transport, "127.0.0.1", port);
    }

    /** REGISTER with the digest dance; returns the final answer to the authenticated request. */
    static SipTestClient.Response register(SipTestClient c, String user, String password, List<String> headers)
            throws Exception {
        return registerWith(c, user, password, headers);
    }

    static SipTestClient.Response registerWith(SipTestClient c, String user, String password, List<String> headers)
            throws Exception {
        SipTestClient.Response challenge = c.request(c.register(user, "example.test", c.nextCseq(), headers), WAIT);
        assertThat(challenge.status()).isEqualTo(401);
        List<String> withAuth = new ArrayList<>(headers);
        withAuth.add(SipTestClient.authorization(
                challenge.header("WWW-Authenticate"), user, password, "REGISTER", "sip:example.test", 1));
        return c.request(c.register(user, "example.test", c.nextCseq(), withAuth), WAIT);
    }

    static String adminGet(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
                                .header("Authorization", "Bearer " + TestNodes.TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp", "tcp"})
    void register_refresh_and_unregister(String transport) throws Exception {
        try (SipTestClient c = client(transport)) {
            String contact = "Contact: <" + c.contactUri("alice") + ">";
            SipTestClient.Response ok = register(c, "alice", "alice-secret", List.of(contact));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("To")).contains("tag=");
            assertThat(ok.contacts())
                    .anySatisfy(
                            v -> assertThat(v).contains(c.contactUri("alice")).contains("expires=600"));
            assertThat(adminGet("/api/registrations?aor=sip:alice@example.test"))
                    .startsWith("200")
                    .contains(c.contactUri("alice"))
                    .contains("\"transport\":\"" + transport + "\"");
            String metrics = adminGet("/metrics");
            assertThat(metrics)
                    .contains("switchboard_register_requests_total{status=\"200\",}")
                    .contains("switchboard_register_requests_total{status=\"401\",}")
                    .contains("switchboard_register_latency_seconds_count")
                    .containsPattern("switchboard_active_bindings [1-9]");

            // refresh (same Call-ID, higher CSeq) with a shorter expiry: still one binding, new expiry
            SipTestClient.Response refreshed = register(c, "alice", "alice-secret", List.of(contact, "Expires: 300"));
            assertThat(refreshed.status()).isEqualTo(200);
            assertThat(refreshed.contacts().stream().filter(v -> v.contains(c.contactUri("alice"))))
                    .singleElement()
                    .satisfies(v -> assertThat(v).contains("expires=300"));

            // unregister
            SipTestClient.Response gone = register(c, "alice", "alice-secret", List.of(contact, "Expires: 0"));
            assertThat(gone.status()).isEqualTo(200);
            assertThat(gone.contacts().stream().filter(v -> v.contains(c.contactUri("alice"))))
                    .isEmpty();
            assertThat(adminGet("/api/registrations?aor=sip:alice@example.test"))
                    .doesNotContain(c.contactUri("alice"));
        }
    }

    @Test
    void challenge_offers_sha256_and_md5_and_md5_works() throws Exception {
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response challenge =
                    c.request(c.register("bob", "example.test", c.nextCseq(), List.of()), WAIT);
            assertThat(challenge.status()).isEqualTo(401);
            assertThat(challenge.all("WWW-Authenticate")).hasSize(2);
            assertThat(challenge.all("WWW-Authenticate").get(0))
                    .contains("algorithm=SHA-256")
                    .contains("qop=\"auth\"");
            assertThat(challenge.all("WWW-Authenticate").get(1)).contains("algorithm=MD5");
            String md5 = challenge.all("WWW-Authenticate").get(1);
            SipTestClient.Response ok = c.request(
                    c.register(
                            "bob",
                            "example.test",
                            c.nextCseq(),
                            List.of(
                                    "Contact: <" + c.contactUri("bob") + ">",
                                    SipTestClient.authorization(
                                            md5, "bob", "bob-secret", "REGISTER", "sip:example.test", 1))),
                    WAIT);
            assertThat(ok.status()).isEqualTo(200);
        }
    }

    @Test
    void wrong_password_and_unknown_user_fail_the_same_way() throws Exception {
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response wrong =
                    register(c, "bob", "not-the-password", List.of("Contact: <" + c.contactUri("bob") + ">"));
            SipTestClient.Response unknown =
                    register(c, "mallory", "whatever-pw", List.of("Contact: <" + c.contactUri("mallory") + ">"));
            assertThat(wrong.status()).isEqualTo(403);
            assertThat(unknown.status()).isEqualTo(wrong.status());
            assertThat(unknown.reason()).isEqualTo(wrong.reason());
        }
    }

    @Test
    void repeated_failures_lock_the_guessing_address_out_of_the_account() throws Exception {
        // per-account-source = 5: the 6th failure of carol-guess from this address locks the pair
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response last = null;
            for (int i = 0; i < 7; i++) {
                last = register(c, "carol-guess", "guess-" + i, List.of("Contact: <" + c.contactUri("x") + ">"));
            }
            assertThat(last.status()).isEqualTo(403);
            assertThat(last.reason()).isEqualTo("Too many failed authentications");
            assertThat(last.header("Retry-After")).isNotNull();
            assertThat(adminGet("/metrics"))
                    .containsPattern("switchboard_auth_throttled_total\\{reason=\"account_source\",} [1-9]");
        }
    }

    @Test
    void stale_nonce_gets_stale_true_and_replayed_nonce_is_refused() throws Exception {
        try (SipTestClient c = client("udp")) {
            // A nonce the pool really issued, but an hour ago: authentic and expired.
            String old = new NonceService(TestNodes.SECRET_BYTES)
                    .issue("example.test", Instant.now().minusSeconds(3600));
            String challenge = "Digest realm=\"example.test\", nonce=\"" + old + "\", algorithm=SHA-256, qop=\"auth\"";
            String contact = "Contact: <" + c.contactUri("alice") + ">";
            SipTestClient.Response stale = c.request(
                    c.register(
                            "alice",
                            "example.test",
                            c.nextCseq(),
                            List.of(
                                    contact,
                                    SipTestClient.authorization(
                                            challenge, "alice", "alice-secret", "REGISTER", "sip:example.test", 1))),
                    WAIT);
            assertThat(stale.status()).isEqualTo(401);
            assertThat(stale.header("WWW-Authenticate")).contains("stale=true");

            SipTestClient.Response fresh =
                    c.request(c.register("alice", "example.test", c.nextCseq(), List.of(contact)), WAIT);
            String auth = SipTestClient.authorization(
                    fresh.header("WWW-Authenticate"), "alice", "alice-secret", "REGISTER", "sip:example.test", 1);
            assertThat(c.request(c.register("alice", "example.test", c.nextCseq(), List.of(contact, auth)), WAIT)
                            .status())
                    .isEqualTo(200);
            // the very same credentials again (same nonce, same nc) in a new transaction: a replay
            SipTestClient.Response replay =
                    c.request(c.register("alice", "example.test", c.nextCseq(), List.of(contact, auth)), WAIT);
            assertThat(replay.status()).isEqualTo(401);
            assertThat(replay.header("WWW-Authenticate")).doesNotContain("stale=true");
        }
    }

    @Test
    void credentials_for_another_uri_are_refused() throws Exception {
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response challenge =
                    c.request(c.register("bob", "example.test", c.nextCseq(), List.of()), WAIT);
            SipTestClient.Response r = c.request(
                    c.register(
                            "bob",
                            "example.test",
                            c.nextCseq(),
                            List.of(
                                    "Contact: <" + c.contactUri("bob") + ">",
                                    SipTestClient.authorization(
                                            challenge.header("WWW-Authenticate"),
                                            "bob",
                                            "bob-secret",
                                            "REGISTER",
                                            "sip:other.test",
                                            1))),
                    WAIT);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.reason()).isEqualTo("Digest uri does not match the Request-URI");

            // the node's own address, as SIPp writes it, is the same target
            SipTestClient.Response again = c.request(c.register("bob", "example.test", c.nextCseq(), List.of()), WAIT);
            SipTestClient.Response ok = c.request(
                    c.register(
                            "bob",
                            "example.test",
                            c.nextCseq(),
                            List.of(
                                    "Contact: <" + c.contactUri("bob") + ">",
                                    SipTestClient.authorization(
                                            again.header("WWW-Authenticate"),
                                            "bob",
                                            "bob-secret",
                                            "REGISTER",
                                            "sip:127.0.0.1:" + node.sipUdpPort(),
                                            1))),
                    WAIT);
            assertThat(ok.status()).isEqualTo(200);
        }
    }

    @Test
    void expiry_below_minimum_gets_423_with_min_expires() throws Exception {
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response r =
                    register(c, "bob", "bob-secret", List.of("Contact: <" + c.contactUri("bob") + ">", "Expires: 60"));
            assertThat(r.status()).isEqualTo(423);
            assertThat(r.header("Min-Expires")).isEqualTo("300");
        }
    }

    @Test
    void more_than_eight_bindings_are_refused() throws Exception {
        try (SipTestClient c = client("udp")) {
            List<String> contacts = new ArrayList<>();
            for (int i = 1; i <= 9; i++) {
                contacts.add("Contact: <sip:bob@127.0.0." + i + ":5099>");
            }
            SipTestClient.Response r = register(c, "bob", "bob-secret", contacts);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.reason()).isEqualTo("Too many registered contacts (limit 8)");
        }
    }

    @Test
    void registering_someone_elses_aor_is_forbidden() throws Exception {
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response challenge =
                    c.request(c.register("alice", "example.test", c.nextCseq(), List.of()), WAIT);
            // bob's valid credentials on a REGISTER whose To is alice
            SipTestClient.Response r = c.request(
                    c.register(
                            "alice",
                            "example.test",
                            c.nextCseq(),
                            List.of(
                                    "Contact: <" + c.contactUri("alice") + ">",
                                    SipTestClient.authorization(
                                            challenge.header("WWW-Authenticate"),
                                            "bob",
                                            "bob-secret",
                                            "REGISTER",
                                            "sip:example.test",
                                            1))),
                    WAIT);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.reason()).isEqualTo("Authenticated user does not own this AOR");
        }
    }

    @Test
    void outbound_gruu_and_q_values_are_reflected_in_the_200() throws Exception {
        try (SipTestClient c = client("tcp")) {
            String instance = "<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";
            SipTestClient.Response ok = register(
                    c,
                    "bob",
                    "bob-secret",
                    List.of(
                            "Supported: outbound, gruu, path",
                            "Contact: <" + c.contactUri("bob") + ">;q=0.7;+sip.instance=\"" + instance
                                    + "\";reg-id=1"));
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("Require")).isEqualTo("outbound");
            assertThat(ok.header("Flow-Timer")).isEqualTo("120");
            assertThat(ok.contacts())
                    .anySatisfy(v -> assertThat(v)
                            .contains("q=0.7")
                            .contains("reg-id=1")
                            .contains(
                                    "pub-gruu=\"sip:bob@example.test;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"")
                            .contains("temp-gruu=\"sip:tgruu."));
            assertThat(adminGet("/api/registrations?aor=sip:bob@example.test"))
                    .contains("\"instance\":\"" + instance + "\"")
                    .contains("\"reg_id\":1")
                    .contains("\"node\":\"node-1\"");
        }
    }

    @Test
    void malformed_and_unsupported_requests_get_clear_answers() throws Exception {
        try (SipTestClient c = client("udp")) {
            SipTestClient.Response badExpires = c.request(
                    c.register(
                            "bob",
                            "example.test",
                            c.nextCseq(),
                            List.of("Contact: <" + c.contactUri("bob") + ">;expires=soon")),
                    WAIT);
            assertThat(badExpires.status()).isEqualTo(400);
            assertThat(badExpires.reason()).isEqualTo("Contact expires must be a non-negative number");
            SipTestClient.Response garbled = c.request(
                    c.register("bob", "example.test", c.nextCseq(), List.of("Contact: <sip:bob@@@>;;;")), WAIT);
            assertThat(garbled.status()).isEqualTo(400);
            assertThat(garbled.reason()).isEqualTo("Malformed Contact header");

            String invite = c.register(
                            "bob", "example.test", c.nextCseq(), List.of("Contact: <" + c.contactUri("bob") + ">"))
                    .replace("REGISTER", "INVITE");
            // an INVITE for the domain itself names nobody to call: the proxy answers it (issue 3)
            SipTestClient.Response notAllowed = c.request(invite, WAIT);
            assertThat(notAllowed.status()).isEqualTo(404);
            assertThat(notAllowed.reason()).isEqualTo("No user in the Request-URI");
            c.ackNon2xx(invite, notAllowed); // ends the INVITE server transaction's retransmissions

            String foo = c.register(
                            "bob", "example.test", c.nextCseq(), List.of("Contact: <" + c.contactUri("bob") + ">"))
                    .replace("REGISTER", "FROBNICATE");
            assertThat(c.request(foo, WAIT).status()).isEqualTo(501);

            String otherDomain = c.register("bob", "elsewhere.test", c.nextCseq(), List.of());
            assertThat(c.request(otherDomain, WAIT).status()).isEqualTo(403);

            // garbage and a request with no Call-ID: the node answers 400 or drops it, and keeps serving
            c.send("THIS IS NOT SIP\r\n\r\n");
            String noCallId =
                    c.register("bob", "example.test", c.nextCseq(), List.of()).replaceAll("Call-ID: [^\r]*\r\n", "");
            c.send(noCallId);
            String answer = c.receiveAny(Duration.ofSeconds(1));
            if (answer != null) {
                assertThat(answer).startsWith("SIP/2.0 400");
            }
            assertThat(c.request(c.register("bob", "example.test", c.nextCseq(), List.of()), WAIT)
                            .status())
                    .isEqualTo(401);
        }
    }

    @Test
    void options_is_answered() throws Exception {
        try (SipTestClient c = client("tcp")) {
            String options =
                    c.register("bob", "example.test", c.nextCseq(), List.of()).replace("REGISTER", "OPTIONS");
            SipTestClient.Response r = c.request(options, WAIT);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Allow")).contains("REGISTER").contains("OPTIONS");
        }
    }
}
