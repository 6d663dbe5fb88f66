package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Call park over real SIP (UDP phones) in a two-node pool. The pickup timeout: two calls are parked
 * at node 1 at once in a range with a 10 s pickup timeout, one ring-back and a fallback. Alice
 * answers the ring-back of the call she parked and gets it (the caller is re-INVITEd with her SDP,
 * the orbit is freed); Carol lets hers ring, so at the next deadline it is CANCELled and the call
 * goes to the fallback, Dave, who answers and gets it. Each entity lives on either node, so a
 * ring-back decided on node 2 is rung by node 1, which holds the caller's leg. While they wait, a
 * third call parked at node 1 is retrieved by dialing its orbit at node 2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the second waits for the deadline after the first's
class ParkPoolSipTest {

    static final String KEYSPACE = "park_pool";
    static final String PARK = "sip:park@example.test";
    /** The first deadline is 10 s after the park, the second 10 s later: room for a loaded machine. */
    static final Duration RING_WAIT = Duration.ofSeconds(30);

    SwitchboardNode node;
    SwitchboardNode node2;
    CqlSession session;
    TestPhone alice;
    TestPhone carol;
    TestPhone dave;
    TestPhone bob1;
    TestPhone bob2;
    DatagramSocket bob1Media;
    DatagramSocket bob2Media;
    ParkSipTest.Parked forAlice;
    ParkSipTest.Parked forCarol;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        SwitchboardNode[] pair = TestNodes.startPair(KEYSPACE, """
                switchboard.bootstrap-users = [
                  { uri = "sip:alice@example.test", password = "alice-secret", name = "Alice" }
                  { uri = "sip:bob@example.test", password = "bob-secret", name = "Bob" }
                  { uri = "sip:carol@example.test", password = "carol-secret", name = "Carol" }
                  { uri = "sip:dave@example.test", password = "dave-secret", name = "Dave" }
                  { uri = "sip:erin@example.test", password = "erin-secret", name = "Erin" }
                ]
                """);
        node = pair[0];
        node2 = pair[1];
        closing.add(node);
        closing.add(node2);
        session = CassandraSessions.connect(TestCassandra.settings(KEYSPACE));
        closing.add(session);
        HttpResponse<String> added = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"lobby\",\"range\":\"#800-#809\",\"pickupTimeout\":10,\"maxPickupAttempts\":1,"
                        + "\"onTimeoutUri\":\"sip:dave@example.test\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        alice = phone("alice");
        carol = phone("carol");
        dave = phone("dave");
        for (TestPhone p : List.of(alice, carol, dave)) {
            assertThat(p.register().status()).isEqualTo(200);
        }
        bob1 = phone("bob");
        bob2 = phone("bob");
        bob1Media = socket();
        bob2Media = socket();
        // both parked at once, so both deadlines fall in the same 10 s
        forAlice = park(bob1, bob1Media, "sip:alice@example.test");
        forCarol = park(bob2, bob2Media, "sip:carol@example.test");
    }

    @AfterAll
    void stop() {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    TestPhone phone(String user) throws Exception {
        return phone(node, user);
    }

    TestPhone phone(SwitchboardNode at, String user) throws Exception {
        TestPhone p = new TestPhone("udp", at.sipUdpPort(), user, user + "-secret");
        closing.add(p);
        return p;
    }

    DatagramSocket socket() throws Exception {
        DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        s.setSoTimeout(2000);
        closing.add(s);
        return s;
    }

    ParkSipTest.Parked park(TestPhone caller, DatagramSocket media, String parker) throws Exception {
        String callId = UUID.randomUUID() + "@park";
        String tag = TestPhone.newTag();
        TestPhone.Msg answer = caller.authenticated(
                "INVITE",
                PARK,
                callId,
                tag,
                List.of("Referred-By: <" + parker + ">"),
                "application/sdp",
                ParkSipTest.offer(media.getLocalPort()),
                "bob",
                "bob-secret");
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        caller.ack2xx(caller.callerDialog(PARK, tag, answer), answer);
        media.receive(new DatagramPacket(new byte[1500], 1500)); // music on hold plays
        return new ParkSipTest.Parked(callId, tag, answer);
    }

    Row claimOf(String callId) {
        return session.execute("SELECT orbit FROM parked_calls WHERE park_id = ?", callId)
                .one();
    }

    /** A 2xx or 1xx from {@code phone} to an INVITE of the node, with our To tag and (for 2xx) an SDP body. */
    static String response(TestPhone phone, TestPhone.Msg request, int status, String toTag, String sdp) {
        String reason = status == 200 ? "OK" : "Ringing";
        String body = sdp == null ? "" : sdp;
        return "SIP/2.0 " + status + " " + reason + "\r\nVia: " + request.header("via") + "\r\nFrom: "
                + request.header("from") + "\r\nTo: " + request.header("to") + ";tag=" + toTag + "\r\nCall-ID: "
                + request.callId() + "\r\nCSeq: " + request.header("cseq") + "\r\nContact: <" + phone.contact()
                + ">\r\n" + (sdp == null ? "" : "Content-Type: application/sdp\r\n") + "Content-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    /** The parked caller's phone takes the node's re-INVITE carrying {@code expectedPort}'s SDP, answers, gets the ACK. */
    static void takeReinvite(TestPhone caller, ParkSipTest.Parked p, DatagramSocket media, int expectedPort)
            throws Exception {
        TestPhone.Msg reinvite = caller.await(
                m -> m.isRequest() && m.method().equals("INVITE") && p.callId().equals(m.callId()), TestPhone.WAIT);
        assertThat(TestPhone.tagOf(reinvite.header("to"))).isEqualTo(p.tag()); // inside the parked dialog
        assertThat(reinvite.body()).contains("m=audio " + expectedPort + " ");
        caller.send(ParkSipTest.okWithSdp(caller, reinvite, ParkSipTest.offer(media.getLocalPort())));
        TestPhone.Msg ack = caller.await(
                m -> m.isRequest() && m.method().equals("ACK") && p.callId().equals(m.callId()), TestPhone.WAIT);
        assertThat(ack.header("cseq")).isEqualTo(reinvite.header("cseq").replace("INVITE", "ACK"));
    }

    @Test
    @Order(0)
    void a_call_parked_at_one_node_is_retrieved_by_dialing_its_orbit_at_the_other() throws Exception {
        // parked by Erin (not registered: no MESSAGE, no ring-back to answer) at node 1
        TestPhone bob3 = phone("bob");
        DatagramSocket bob3Media = socket();
        ParkSipTest.Parked p = park(bob3, bob3Media, "sip:erin@example.test");
        String orbit = claimOf(p.callId()).getString("orbit");

        // Alice dials the orbit at node 2, which holds no leg of it: node 1 re-INVITEs Bob with her offer
        TestPhone alice2 = phone(node2, "alice");
        DatagramSocket aliceMedia = socket();
        String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
        String aliceTag = TestPhone.newTag();
        var retrieved = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return alice2.authenticated(
                        "INVITE",
                        orbitUri,
                        UUID.randomUUID() + "@retrieve",
                        aliceTag,
                        "application/sdp",
                        ParkSipTest.offer(aliceMedia.getLocalPort()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        takeReinvite(bob3, p, bob3Media, aliceMedia.getLocalPort());
        TestPhone.Msg aliceOk = retrieved.get(15, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(aliceOk.status()).as(aliceOk.raw()).isEqualTo(200);
        assertThat(aliceOk.body()).contains("m=audio " + bob3Media.getLocalPort() + " "); // Bob's answer
        assertThat(aliceOk.header("p-asserted-identity")).isEqualTo("<sip:bob@example.test>"); // who she got
        assertThat(claimOf(p.callId())).isNull();
        assertThat(node.metrics().scrape()).contains("switchboard_park_requests_total{outcome=\"retrieved\",} 1.0");

        // Alice hangs up at node 2: node 1 ends Bob's leg
        TestPhone.Dialog aliceDialog = alice2.callerDialog(orbitUri, aliceTag, aliceOk);
        alice2.ack2xx(aliceDialog, aliceOk);
        assertThat(alice2.requestInDialog(aliceDialog, "BYE").status()).isEqualTo(200);
        TestPhone.Msg bye = bob3.await(
                m -> m.isRequest() && m.method().equals("BYE") && p.callId().equals(m.callId()), TestPhone.WAIT);
        bob3.respond(bye, 200, "OK", null, List.of());
    }

    @Test
    @Order(1)
    void the_parker_answers_the_ring_back_and_gets_the_call() throws Exception {
        String orbit = claimOf(forAlice.callId()).getString("orbit");
        TestPhone.Msg ring = alice.await(m -> m.isRequest() && m.method().equals("INVITE"), RING_WAIT);
        assertThat(ring.header("subject")).isEqualTo("Your parked call from sip:bob@example.test, back from " + orbit);
        assertThat(ring.header("from")).contains("Parked: sip:bob@example.test", PARK);
        assertThat(ring.header("to")).contains("sip:alice@example.test");
        assertThat(ring.header("p-asserted-identity")).isEqualTo("<sip:bob@example.test>"); // the parked caller
        assertThat(ring.body()).contains("m=audio " + bob1Media.getLocalPort() + " "); // the caller's own offer

        // Carol's ring-back comes at the same deadline: it rings (180) and nobody picks up
        TestPhone.Msg carolRing = carol.await(m -> m.isRequest() && m.method().equals("INVITE"), RING_WAIT);
        String carolTag = TestPhone.newTag();
        carol.send(response(carol, carolRing, 180, carolTag, null));
        carol.inviteSeen = carolRing;
        carol.lastBody = carolTag;

        DatagramSocket aliceMedia = socket();
        String aliceTag = TestPhone.newTag();
        alice.send(response(alice, ring, 200, aliceTag, ParkSipTest.offer(aliceMedia.getLocalPort())));
        TestPhone.Msg aliceAck = alice.await(
                m -> m.isRequest() && m.method().equals("ACK") && ring.callId().equals(m.callId()), TestPhone.WAIT);
        assertThat(aliceAck.header("cseq")).isEqualTo("1 ACK");

        // Bob is re-INVITEd with Alice's SDP; the orbit is free once the entity let the call go
        takeReinvite(bob1, forAlice, bob1Media, aliceMedia.getLocalPort());
        assertThat(claimOf(forAlice.callId())).isNull();
        assertThat(node.metrics().scrape()).contains("switchboard_park_requests_total{outcome=\"rung-back\",} 1.0");

        // Alice hangs up: Bob gets the BYE
        TestPhone.Dialog aliceDialog = alice.calleeDialog(ring, aliceTag);
        assertThat(alice.requestInDialog(aliceDialog, "BYE").status()).isEqualTo(200);
        TestPhone.Msg bye = bob1.await(
                m -> m.isRequest()
                        && m.method().equals("BYE")
                        && forAlice.callId().equals(m.callId()),
                TestPhone.WAIT);
        bob1.respond(bye, 200, "OK", null, List.of());
    }

    @Test
    @Order(2)
    void an_unanswered_ring_back_is_cancelled_at_the_next_deadline_and_the_call_goes_to_the_fallback()
            throws Exception {
        String orbit = claimOf(forCarol.callId()).getString("orbit"); // still parked while Carol's phone rings
        TestPhone.Msg carolRing = carol.inviteSeen;
        assertThat(carolRing).as("Carol's ring-back, seen by the first test").isNotNull();
        assertThat(carolRing.header("subject")).endsWith("back from " + orbit);

        // the next deadline: the ring-back is CANCELled (RFC 3261 section 9.1) ...
        TestPhone.Msg cancel = carol.await(
                m -> m.isRequest()
                        && m.method().equals("CANCEL")
                        && carolRing.callId().equals(m.callId()),
                RING_WAIT);
        carol.respond(cancel, 200, "OK", carol.lastBody, List.of());
        carol.respond(carolRing, 487, "Request Terminated", carol.lastBody, List.of());

        // ... and the fallback, Dave, is rung with the caller's offer
        TestPhone.Msg ring = dave.await(m -> m.isRequest() && m.method().equals("INVITE"), TestPhone.WAIT);
        assertThat(ring.header("subject"))
                .isEqualTo("Parked call from sip:bob@example.test, not picked up at " + orbit);
        assertThat(ring.body()).contains("m=audio " + bob2Media.getLocalPort() + " ");
        assertThat(claimOf(forCarol.callId())).isNull(); // the orbit was freed when the entity gave up

        DatagramSocket daveMedia = socket();
        String daveTag = TestPhone.newTag();
        dave.send(response(dave, ring, 200, daveTag, ParkSipTest.offer(daveMedia.getLocalPort())));
        takeReinvite(bob2, forCarol, bob2Media, daveMedia.getLocalPort());
        assertThat(node.metrics().scrape())
                .contains(
                        "switchboard_park_requests_total{outcome=\"fallback\",} 1.0",
                        "switchboard_park_requests_total{outcome=\"ring-back\",} 2.0");

        // Bob hangs up: Dave gets the BYE
        TestPhone.Dialog bobDialog = bob2.callerDialog(PARK, forCarol.tag(), forCarol.answer());
        bobDialog.cseq = 100;
        assertThat(bob2.requestInDialog(bobDialog, "BYE").status()).isEqualTo(200);
        TestPhone.Msg bye = dave.await(
                m -> m.isRequest() && m.method().equals("BYE") && ring.callId().equals(m.callId()), TestPhone.WAIT);
        dave.respond(bye, 200, "OK", null, List.of());
    }
}
