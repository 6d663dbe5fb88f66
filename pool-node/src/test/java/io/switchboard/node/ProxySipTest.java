package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.TestPhone.Dialog;
import io.switchboard.node.TestPhone.Msg;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The proxy end to end: two pool nodes (one Pekko cluster, one Cassandra), phones registered on
 * different nodes over UDP and TCP, calls and MESSAGEs between them, forking with CANCEL of the
 * loser, and the refusals (404, 480, 403, 483, 407).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxySipTest {

    private static final String KEYSPACE = "proxy_sip_test";
    private static final String USERS = """
            switchboard.bootstrap-users = [
              { uri = "sip:alice@example.test", password = "alice-secret" }
              { uri = "sip:bob@example.test", password = "bob-secret" }
              { uri = "sip:carol@example.test", password = "carol-secret" }
              { uri = "sip:dave@example.test", password = "dave-secret" }
              { uri = "sip:erin@example.test", password = "erin-secret" }
              { uri = "sip:frank@example.test", password = "frank-secret" }
              { uri = "sip:gina@example.test", password = "gina-secret" }
              { uri = "sip:hank@example.test", password = "hank-secret" }
              { uri = "sip:ivan@example.test", password = "ivan-secret" }
            ]
            """;

    private SwitchboardNode node1;
    private SwitchboardNode node2;

    @BeforeAll
    void startPool() {
        SwitchboardNode[] pair = TestNodes.startPair(KEYSPACE, USERS);
        node1 = pair[0];
        node2 = pair[1];
    }

    @AfterAll
    void stopPool() {
        if (node2 != null) {
            node2.close();
        }
        if (node1 != null) {
            node1.close();
        }
    }

    private static String callId() {
        return UUID.randomUUID() + "@proxy-test";
    }

    @Test
    void users_on_different_nodes_call_each_other_and_hang_up() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node1.sipUdpPort(), "alice", "alice-secret");
                TestPhone bob = new TestPhone("tcp", node2.sipTcpPort(), "bob", "bob-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(bob.register().status()).isEqualTo(200);

            String callId = callId();
            String tag = TestPhone.newTag();
            String target = "sip:bob@example.test";
            Thread answer = answerFirstInvite(bob, "bob-tag");
            Msg ok;
            try {
                ok = alice.authenticated("INVITE", target, callId, tag, "application/sdp", "v=0\r\n");
            } finally {
                answer.join(10_000);
                assertThat(bob.failure).as("bob's side").isNull();
            }
            assertThat(ok.status()).isEqualTo(200);
            // The 180 is relayed as it comes (checked in caller_cancel_reaches_every_branch); here it
            // is not required: bob sends 180 and 200 back to back over TCP and a 180 the stack hands
            // over after the 200 is, rightly, not relayed after the final (RFC 3261 section 16.7).
            assertThat(ok.header("contact")).contains(bob.contact());
            assertThat(ok.all("record-route")).as("both nodes stay on the path").isNotEmpty();

            Dialog caller = alice.callerDialog(target, tag, ok);
            alice.ack2xx(caller, ok);
            Msg ack = bob.awaitRequest("ACK");
            assertThat(ack.callId()).isEqualTo(callId);

            // a retransmitted 200 (its client transactions are gone) still reaches the caller, statelessly
            bob.respond(bob.inviteSeen, 200, "OK", "bob-tag", List.of());
            Msg again = alice.await(
                    m -> !m.isRequest() && m.status() == 200 && m.cseqMethod().equals("INVITE"), TestPhone.WAIT);
            assertThat(again.callId()).isEqualTo(callId);

            // the callee hangs up: its BYE goes back along the route set, over the nodes, to alice's UDP contact
            Msg invite = bob.inviteSeen;
            Dialog callee = bob.calleeDialog(invite, "bob-tag");
            long seq = callee.cseq++;
            String byeText = bob.inDialog(callee, "BYE", seq, TestPhone.newBranch());
            bob.send(byeText);
            Msg bye = alice.awaitRequest("BYE");
            assertThat(bye.callId()).isEqualTo(callId);
            alice.respond(bye, 200, "OK", null, List.of());
            Msg byeOk = bob.await(m -> !m.isRequest() && m.cseqMethod().equals("BYE"), TestPhone.WAIT);
            assertThat(byeOk.status()).isEqualTo(200);
        }
    }

    @Test
    void message_crosses_nodes_both_ways() throws Exception {
        try (TestPhone carol = new TestPhone("tcp", node1.sipTcpPort(), "carol", "carol-secret");
                TestPhone dave = new TestPhone("udp", node2.sipUdpPort(), "dave", "dave-secret")) {
            assertThat(carol.register().status()).isEqualTo(200);
            assertThat(dave.register().status()).isEqualTo(200);

            Thread daveAnswers = respondToNext(dave, "MESSAGE", 200);
            Msg ok = carol.authenticated(
                    "MESSAGE", "sip:dave@example.test", callId(), TestPhone.newTag(), "text/plain", "hello dave");
            daveAnswers.join(10_000);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(dave.lastBody).isEqualTo("hello dave");

            Thread carolAnswers = respondToNext(carol, "MESSAGE", 200);
            Msg back = dave.authenticated(
                    "MESSAGE", "sip:carol@example.test", callId(), TestPhone.newTag(), "text/plain", "hi carol");
            carolAnswers.join(10_000);
            assertThat(back.status()).isEqualTo(200);
            assertThat(carol.lastBody).isEqualTo("hi carol");
        }
    }

    @Test
    void two_endpoints_on_two_nodes_both_ring_and_the_loser_is_cancelled() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node2.sipUdpPort(), "alice", "alice-secret");
                TestPhone desk = new TestPhone("tcp", node1.sipTcpPort(), "carol", "carol-secret");
                TestPhone mobile = new TestPhone("udp", node2.sipUdpPort(), "carol", "carol-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(desk.register().status()).isEqualTo(200);
            assertThat(mobile.register().status()).isEqualTo(200);

            Thread caller = new Thread(() -> {
                try {
                    alice.lastFinal = alice.authenticated(
                            "INVITE",
                            "sip:carol@example.test",
                            callId(),
                            TestPhone.newTag(),
                            "application/sdp",
                            "v=0\r\n");
                } catch (Exception e) {
                    alice.failure = e;
                }
            });
            caller.start();
            Msg atDesk = desk.awaitRequest("INVITE");
            Msg atMobile = mobile.awaitRequest("INVITE");
            desk.respond(atDesk, 180, "Ringing", "desk-tag", List.of());
            mobile.respond(atMobile, 180, "Ringing", "mobile-tag", List.of());
            mobile.respond(atMobile, 200, "OK", "mobile-tag", List.of());

            Msg cancel = desk.awaitRequest("CANCEL");
            assertThat(cancel.callId()).isEqualTo(atDesk.callId());
            desk.respond(cancel, 200, "OK", "desk-tag", List.of());
            desk.respond(atDesk, 487, "Request Terminated", "desk-tag", List.of());

            caller.join(15_000);
            assertThat(alice.failure).isNull();
            assertThat(alice.lastFinal.status()).isEqualTo(200);
            assertThat(alice.lastFinal.header("to")).contains("mobile-tag");
            assertThat(desk.receivesRequest("ACK", Duration.ofSeconds(2)))
                    .as("the 487 is ACKed hop by hop")
                    .isTrue();
        }
    }

    @Test
    void caller_cancel_reaches_every_branch() throws Exception {
        try (TestPhone alice = new TestPhone("tcp", node1.sipTcpPort(), "alice", "alice-secret");
                TestPhone bob = new TestPhone("udp", node2.sipUdpPort(), "bob", "bob-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(bob.register().status()).isEqualTo(200);
            String callId = callId();
            String tag = TestPhone.newTag();
            Thread caller = new Thread(() -> {
                try {
                    alice.lastFinal = alice.authenticated(
                            "INVITE", "sip:bob@example.test", callId, tag, "application/sdp", "v=0\r\n");
                } catch (Exception e) {
                    alice.failure = e;
                }
            });
            caller.start();
            Msg invite = bob.awaitRequest("INVITE");
            bob.respond(invite, 180, "Ringing", "bob-tag", List.of());
            Msg ringing = alice.awaitResponse(180, "INVITE");
            // CANCEL: same Request-URI, Call-ID, From, CSeq number and top Via as the INVITE (RFC 3261 section 9.1)
            String branch = TestPhone.branchOf(ringing.header("via"));
            String cancel = "CANCEL sip:bob@example.test SIP/2.0\r\n"
                    + ringing.header("via").transform(v -> "Via: " + v + "\r\n")
                    + "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=" + tag
                    + "\r\nTo: <sip:bob@example.test>\r\n"
                    + "Call-ID: " + callId + "\r\nCSeq: " + TestPhone.seqOf(ringing)
                    + " CANCEL\r\nContent-Length: 0\r\n\r\n";
            assertThat(branch).isNotEmpty();
            alice.send(cancel);
            Msg cancelled = bob.awaitRequest("CANCEL");
            bob.respond(cancelled, 200, "OK", "bob-tag", List.of());
            bob.respond(invite, 487, "Request Terminated", "bob-tag", List.of());
            caller.join(15_000);
            assertThat(alice.failure).isNull();
            assertThat(alice.lastFinal.status()).isEqualTo(487);
        }
    }

    @Test
    void refusals() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node1.sipUdpPort(), "alice", "alice-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(alice.authenticated(
                                    "MESSAGE",
                                    "sip:nobody@example.test",
                                    callId(),
                                    TestPhone.newTag(),
                                    "text/plain",
                                    "x")
                            .status())
                    .as("unknown user")
                    .isEqualTo(404);
            Msg unregistered = alice.authenticated(
                    "MESSAGE", "sip:bob@other.test", callId(), TestPhone.newTag(), "text/plain", "x");
            assertThat(unregistered.status()).as("served domain, unknown user").isEqualTo(404);
            assertThat(alice.authenticated(
                                    "MESSAGE",
                                    "sip:someone@elsewhere.example",
                                    callId(),
                                    TestPhone.newTag(),
                                    "text/plain",
                                    "x")
                            .status())
                    .as("foreign domain, no outbound proxy")
                    .isEqualTo(403);
            Msg spoofed = alice.authenticated(
                    "MESSAGE",
                    "sip:bob@example.test",
                    callId(),
                    TestPhone.newTag(),
                    List.of(),
                    "text/plain",
                    "x",
                    "bob",
                    "bob-secret");
            assertThat(spoofed.status())
                    .as("credentials of bob under alice's From")
                    .isEqualTo(403);
            assertThat(spoofed.firstLine()).contains("From does not match");
            Msg noAuth = alice.request(alice.initial(
                    "MESSAGE",
                    "sip:bob@example.test",
                    callId(),
                    TestPhone.newTag(),
                    1,
                    TestPhone.newBranch(),
                    List.of(),
                    "text/plain",
                    "x"));
            assertThat(noAuth.status()).isEqualTo(407);
            assertThat(noAuth.header("proxy-authenticate")).startsWith("Digest");
            String metrics = node1.metrics().scrape() + node2.metrics().scrape();
            assertThat(metrics)
                    .as("a proxy challenge counts as a proxied request's answer")
                    .contains("switchboard_proxy_requests_total{method=\"MESSAGE\",status=\"407\",}")
                    .doesNotContain("switchboard_register_requests_total{status=\"407\",}");
            // from another domain (no challenge), with no hops left
            Msg hops = alice.request(alice.initial(
                            "OPTIONS",
                            "sip:bob@example.test",
                            callId(),
                            TestPhone.newTag(),
                            1,
                            TestPhone.newBranch(),
                            List.of(),
                            "",
                            "")
                    .replace("Max-Forwards: 70", "Max-Forwards: 0")
                    .replace("From: <sip:alice@example.test>", "From: <sip:visitor@elsewhere.example>"));
            assertThat(hops.status()).isEqualTo(483);
            Msg relay = alice.request(alice.initial(
                            "MESSAGE",
                            "sip:x@elsewhere.example",
                            callId(),
                            TestPhone.newTag(),
                            1,
                            TestPhone.newBranch(),
                            List.of(),
                            "text/plain",
                            "x")
                    .replace("From: <sip:alice@example.test>", "From: <sip:visitor@elsewhere.example>"));
            assertThat(relay.status()).as("no open relay").isEqualTo(403);
        }
    }

    @Test
    void user_without_bindings_gets_480() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node1.sipUdpPort(), "alice", "alice-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            // erin has an account and never registers
            Msg none = alice.authenticated(
                    "MESSAGE", "sip:erin@example.test", callId(), TestPhone.newTag(), "text/plain", "x");
            assertThat(none.status()).isEqualTo(480);
        }
    }

    @Test
    void call_settings_sim_ring_immediate_and_no_answer_forwarding() throws Exception {
        try (TestPhone frank = new TestPhone("udp", node1.sipUdpPort(), "frank", "frank-secret");
                TestPhone gina = new TestPhone("udp", node2.sipUdpPort(), "gina", "gina-secret");
                TestPhone hank = new TestPhone("tcp", node2.sipTcpPort(), "hank", "hank-secret");
                TestPhone ivan = new TestPhone("udp", node1.sipUdpPort(), "ivan", "ivan-secret")) {
            for (TestPhone p : List.of(frank, gina, hank, ivan)) {
                assertThat(p.register().status()).isEqualTo(200);
            }
            // simultaneous ring: hank's phone and gina's ring together; gina answers, hank's branch is cancelled
            setCallSettings("sip:hank@example.test", "{\"simRing\": \"sip:gina@example.test\"}");
            Thread call = callFrom(frank, "sip:hank@example.test");
            Msg atHank = hank.awaitRequest("INVITE");
            Msg atGina = gina.awaitRequest("INVITE");
            hank.respond(atHank, 180, "Ringing", "hank-tag", List.of());
            gina.respond(atGina, 200, "OK", "gina-tag", List.of());
            Msg cancel = hank.awaitRequest("CANCEL");
            hank.respond(cancel, 200, "OK", "hank-tag", List.of());
            hank.respond(atHank, 487, "Request Terminated", "hank-tag", List.of());
            call.join(15_000);
            assertThat(frank.lastFinal.status()).isEqualTo(200);
            assertThat(frank.lastFinal.header("to")).contains("gina-tag");

            // immediate forwarding: only ivan rings; his 486 is the caller's answer
            setCallSettings(
                    "sip:hank@example.test",
                    "{\"forward\": {\"mode\": \"immediate\", \"target\": \"sip:ivan@example.test\"}}");
            call = callFrom(frank, "sip:hank@example.test");
            Msg atIvan = ivan.awaitRequest("INVITE");
            ivan.respond(atIvan, 486, "Busy Here", "ivan-tag", List.of());
            call.join(15_000);
            assertThat(frank.lastFinal.status()).isEqualTo(486);
            assertThat(hank.receivesRequest("INVITE", Duration.ofMillis(500)))
                    .as("hank's phone stays quiet")
                    .isFalse();

            // forwarding on no answer after 5 s: hank rings, nobody answers, the call moves to ivan
            setCallSettings(
                    "sip:hank@example.test",
                    "{\"forward\": {\"mode\": \"no-answer\", \"target\": \"sip:ivan@example.test\", \"afterSeconds\": 5}}");
            call = callFrom(frank, "sip:hank@example.test");
            Msg ringing = hank.awaitRequest("INVITE");
            hank.respond(ringing, 180, "Ringing", "hank-tag2", List.of());
            long rangAt = System.nanoTime();
            Msg forwarded = ivan.await(m -> m.isRequest() && m.method().equals("INVITE"), Duration.ofSeconds(15));
            assertThat(Duration.ofNanos(System.nanoTime() - rangAt)).isGreaterThan(Duration.ofSeconds(3));
            Msg cancelled = hank.awaitRequest("CANCEL");
            hank.respond(cancelled, 200, "OK", "hank-tag2", List.of());
            hank.respond(ringing, 487, "Request Terminated", "hank-tag2", List.of());
            ivan.respond(forwarded, 200, "OK", "ivan-tag2", List.of());
            call.join(15_000);
            assertThat(frank.lastFinal.status()).isEqualTo(200);
            assertThat(frank.lastFinal.header("to")).contains("ivan-tag2");
        }
    }

    private void setCallSettings(String aor, String json) throws Exception {
        var r = AdminHttp.send(
                node1.adminPort(), "PUT", "/api/call-settings?aor=" + aor, TestNodes.TOKEN, "application/json", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static Thread callFrom(TestPhone caller, String target) {
        caller.lastFinal = null;
        Thread t = new Thread(() -> {
            try {
                caller.lastFinal = caller.authenticated(
                        "INVITE", target, callId(), TestPhone.newTag(), "application/sdp", "v=0\r\n");
            } catch (Exception e) {
                caller.failure = e;
            }
        });
        t.start();
        return t;
    }

    /** Bob's side of a call: ring, then answer the first INVITE. */
    private static Thread answerFirstInvite(TestPhone phone, String tag) {
        Thread t = new Thread(() -> {
            try {
                Msg invite = phone.awaitRequest("INVITE");
                phone.inviteSeen = invite;
                phone.respond(invite, 180, "Ringing", tag, List.of());
                phone.respond(invite, 200, "OK", tag, List.of());
            } catch (Exception e) {
                phone.failure = e;
            }
        });
        t.start();
        return t;
    }

    private static Thread respondToNext(TestPhone phone, String method, int status) {
        Thread t = new Thread(() -> {
            try {
                Msg request = phone.awaitRequest(method);
                phone.lastBody = request.body();
                phone.respond(request, status, "OK", TestPhone.newTag(), List.of());
            } catch (Exception e) {
                phone.failure = e;
            }
        });
        t.start();
        return t;
    }
}
