package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.node.AdminHttp;
import io.switchboard.node.TestNodes;
import io.switchboard.node.TestPhone;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Call park with linphonec as the parker (issue 13 item 9): linphonec calls Bob (a test phone over
 * UDP), then parks him with its {@code transfer sip:park@example.test}, the blind transfer of
 * RFC 3515 / RFC 5589. The node routes linphonec's REFER to Bob in their dialog; Bob does what a
 * transferee does (202, NOTIFY, INVITE to the Refer-To URI with the REFER's Referred-By, NOTIFY
 * of the outcome), and Alice hangs up her leg, so the call is parked: the admin API lists it at an orbit with Alice as the
 * parker, and linphonec receives the MESSAGE naming the orbit. Carol then dials the orbit and gets
 * Bob (re-INVITEd with her offer), and the orbit is free again.
 */
class ParkInteropTest extends InteropTestBase {

    static final String PARK = "sip:park@example.test";
    static final Duration WAIT = Duration.ofSeconds(15);

    @Override
    String keyspace() {
        return "interop_park";
    }

    @Override
    String[] binaries() {
        return new String[] {Linphonec.BINARY};
    }

    @Test
    void linphonec_parks_a_call_by_blind_transfer_to_the_park_uri() throws Exception {
        HttpResponse<String> added = AdminHttp.send(
                node.adminPort(),
                "POST",
                "/api/park/orbits",
                TestNodes.TOKEN,
                "application/json",
                "{\"name\":\"lobby\",\"range\":\"#900-#909\"}");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        TestPhone bob = stopAfter(new TestPhone("udp", port("udp"), "bob", "bob-secret"));
        assertThat(bob.register().status()).isEqualTo(200);
        DatagramSocket bobMedia = stopAfter(new DatagramSocket(0, InetAddress.getByName("127.0.0.1")));
        Linphonec alice = stopAfter(Linphonec.start(testDir("park"), "alice", "udp", port("udp"), List.of()));
        alice.awaitRegistered(SHORT);

        // Alice (linphonec) calls Bob, who answers with PCMU
        alice.dial(bob.aor());
        TestPhone.Msg invite = bob.await(m -> m.isRequest() && m.method().equals("INVITE"), WAIT);
        String bobTag = TestPhone.newTag();
        bob.send(answer(bob, invite, bobTag, offer(bobMedia.getLocalPort())));
        bob.await(
                m -> m.isRequest()
                        && m.method().equals("ACK")
                        && invite.callId().equals(m.callId()),
                WAIT);
        TestPhone.Dialog call = bob.calleeDialog(invite, bobTag);

        // Alice parks him: `transfer` sends a REFER in the call, Refer-To the park URI
        alice.transfer(PARK);
        TestPhone.Msg refer = bob.await(
                m -> m.isRequest()
                        && m.method().equals("REFER")
                        && invite.callId().equals(m.callId()),
                WAIT);
        assertThat(TestPhone.uriOf(refer.header("refer-to"))).isEqualTo(PARK);
        bob.respond(refer, 202, "Accepted", null, List.of());
        bob.send(withBody(
                bob.inDialog(call, "NOTIFY", call.cseq++, TestPhone.newBranch()), "SIP/2.0 100 Trying", false));

        // Bob, the transferee, INVITEs the park service naming the parker (RFC 3892)
        String parker = refer.header("referred-by"); // linphonec 5.1 names itself, with its From tag
        assertThat(parker).as(refer.raw()).isNotNull();
        assertThat(TestPhone.uriOf(parker)).isEqualTo(alice.aor());
        String parkCallId = UUID.randomUUID() + "@park";
        String parkTag = TestPhone.newTag();
        TestPhone.Msg parked = bob.authenticated(
                "INVITE",
                PARK,
                parkCallId,
                parkTag,
                List.of("Referred-By: <" + TestPhone.uriOf(parker) + ">"),
                "application/sdp",
                offer(bobMedia.getLocalPort()),
                "bob",
                "bob-secret");
        assertThat(parked.status()).as(parked.raw()).isEqualTo(200);
        bob.ack2xx(bob.callerDialog(PARK, parkTag, parked), parked);
        bob.send(withBody(bob.inDialog(call, "NOTIFY", call.cseq++, TestPhone.newBranch()), "SIP/2.0 200 OK", true));

        // linphonec leaves the transferred call to its user ("you can safely close the call"): Alice hangs up
        alice.hangup();
        TestPhone.Msg bye = bob.await(
                m -> m.isRequest()
                        && m.method().equals("BYE")
                        && invite.callId().equals(m.callId()),
                WAIT);
        bob.respond(bye, 200, "OK", null, List.of());

        // parked: listed at an orbit with Alice as the parker, and linphonec is told the orbit
        HttpResponse<String> listed = AdminHttp.get(node.adminPort(), "/api/park/calls");
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        JsonNode calls = JSON.readTree(listed.body()).path("calls");
        assertThat(calls.size()).as(listed.body()).isEqualTo(1);
        String orbit = calls.get(0).path("orbit").asText();
        assertThat(calls.get(0).path("parker").asText()).isEqualTo(alice.aor());
        assertThat(orbit).matches("#90\\d");
        alice.awaitMessage(
                m -> m.incoming() && m.isRequest("MESSAGE") && m.text().contains("parked at " + orbit),
                WAIT,
                "the MESSAGE naming the orbit");

        // Carol dials the orbit: Bob is re-INVITEd in his parked call with her offer
        TestPhone carol = stopAfter(new TestPhone("udp", port("udp"), "carol", "carol-secret"));
        DatagramSocket carolMedia = stopAfter(new DatagramSocket(0, InetAddress.getByName("127.0.0.1")));
        String orbitUri = "sip:" + orbit.replace("#", "%23") + "@example.test";
        CompletableFuture<TestPhone.Msg> retrieved = CompletableFuture.supplyAsync(() -> {
            try {
                return carol.authenticated(
                        "INVITE",
                        orbitUri,
                        UUID.randomUUID() + "@retrieve",
                        TestPhone.newTag(),
                        "application/sdp",
                        offer(carolMedia.getLocalPort()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        TestPhone.Msg reinvite =
                bob.await(m -> m.isRequest() && m.method().equals("INVITE") && parkCallId.equals(m.callId()), WAIT);
        assertThat(reinvite.body()).contains("m=audio " + carolMedia.getLocalPort() + " ");
        bob.send(answer(bob, reinvite, null, offer(bobMedia.getLocalPort())));
        TestPhone.Msg carolOk = retrieved.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(carolOk.status()).as(carolOk.raw()).isEqualTo(200);
        assertThat(carolOk.body()).contains("m=audio " + bobMedia.getLocalPort() + " ");
        HttpResponse<String> after = AdminHttp.get(node.adminPort(), "/api/park/calls");
        assertThat(JSON.readTree(after.body()).path("calls").size())
                .as(after.body())
                .isZero();
    }

    static String offer(int port) {
        return "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + "m=audio " + port
                + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    }

    /** A 200 with {@code sdp} to {@code request}, with our To tag (unless the To has one) and Record-Route. */
    static String answer(TestPhone phone, TestPhone.Msg request, String toTag, String sdp) {
        StringBuilder b = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String via : request.all("via")) {
            b.append("Via: ").append(via).append("\r\n");
        }
        for (String rr : request.all("record-route")) {
            b.append("Record-Route: ").append(rr).append("\r\n");
        }
        String to = request.header("to");
        b.append("From: ").append(request.header("from")).append("\r\n");
        b.append("To: ")
                .append(to.contains(";tag=") ? to : to + ";tag=" + toTag)
                .append("\r\n");
        b.append("Call-ID: ").append(request.callId()).append("\r\n");
        b.append("CSeq: ").append(request.header("cseq")).append("\r\n");
        b.append("Contact: <").append(phone.contact()).append(">\r\n");
        b.append("Content-Type: application/sdp\r\n");
        return b.append("Content-Length: ")
                .append(sdp.length())
                .append("\r\n\r\n")
                .append(sdp)
                .toString();
    }

    /** A NOTIFY of the refer event package (RFC 3515 section 2.4.4) with a sipfrag {@code status}. */
    static String withBody(String notify, String status, boolean last) {
        String frag = status + "\r\n";
        return notify.replace(
                "Content-Length: 0\r\n\r\n",
                "Event: refer\r\nSubscription-State: " + (last ? "terminated;reason=noresource" : "active;expires=60")
                        + "\r\nContent-Type: message/sipfrag;version=2.0\r\nContent-Length: " + frag.length()
                        + "\r\n\r\n" + frag);
    }
}
