package io.switchboard.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.SipTestClient;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import io.switchboard.node.TestPhone;
import io.switchboard.node.TestPhone.Dialog;
import io.switchboard.node.TestPhone.Msg;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 10, item 1: the node is no open relay. Hostile bytes go over a real UDP socket to one
 * node; a "victim" UDP socket stands for any host on the internet the attacker would like the
 * node to send to, and must receive nothing. The same node still carries a real call's ACK and
 * BYE along its signed Record-Route.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenRelayTest {

    static final String KEYSPACE = "security_open_relay";
    /** How long the victim listens: the node forwards within milliseconds and retransmits after 0.5 s. */
    static final Duration QUIET = Duration.ofSeconds(3);

    private SwitchboardNode node;
    private DatagramSocket attacker;
    private DatagramSocket victim;

    @BeforeAll
    void startNode() {
        node = TestNodes.start(KEYSPACE, "");
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void sockets() throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        attacker = new DatagramSocket(0, lo);
        victim = new DatagramSocket(0, lo);
    }

    @AfterEach
    void closeSockets() {
        attacker.close();
        victim.close();
    }

    @Test
    void an_in_dialog_message_with_a_forged_from_reaches_nobody() throws Exception {
        String target = victimUri();
        // the finding: a To tag and a From of ours, no credentials
        SipTestClient.Response ours = attackerRequest(hostile(
                "MESSAGE", target, "<sip:alice@example.test>;tag=a1", "<" + target + ">;tag=x", List.of(), "spam"));
        assertThat(ours.status())
                .as("a From of ours without a Record-Route of ours must authenticate like any request of alice's")
                .isEqualTo(407);
        SipTestClient.Response stranger = attackerRequest(hostile(
                "MESSAGE", target, "<sip:carol@elsewhere.test>;tag=c1", "<" + target + ">;tag=x", List.of(), "spam"));
        assertThat(stranger.status()).isEqualTo(403);
        assertThat(stranger.reason()).isEqualTo("Not a dialog of this pool");
        assertThat(victimReceives()).as("what reached the victim").isEmpty();
    }

    @Test
    void an_ack_without_a_to_tag_or_a_route_of_ours_is_not_forwarded() throws Exception {
        double noTag = acksDropped("no-to-tag");
        double noRoute = acksDropped("no-route");
        String target = victimUri();
        attacker(hostile("ACK", target, "<sip:carol@elsewhere.test>;tag=c2", "<" + target + ">", List.of(), ""));
        attacker(hostile("ACK", target, "<sip:alice@example.test>;tag=a2", "<" + target + ">;tag=y", List.of(), ""));
        assertThat(victimReceives()).as("what reached the victim").isEmpty();
        assertThat(attackerReceives()).as("an ACK is never answered").isEmpty();
        assertThat(acksDropped("no-to-tag") - noTag).isEqualTo(1.0);
        assertThat(acksDropped("no-route") - noRoute).isEqualTo(1.0);
    }

    @Test
    void a_route_naming_the_node_without_a_valid_signature_is_not_followed() throws Exception {
        double unsigned = acksDropped("unsigned-route");
        String target = victimUri();
        String ours = "sip:127.0.0.1:" + node.sipUdpPort() + ";transport=udp;lr";
        for (String route : List.of(ours, ours + ";sbsig=AAAAAAAAAAAAAAAA", ours + ";sbsig=forged")) {
            SipTestClient.Response r = attackerRequest(hostile(
                    "MESSAGE",
                    target,
                    "<sip:carol@elsewhere.test>;tag=c3",
                    "<" + target + ">;tag=x",
                    List.of("Route: <" + route + ">"),
                    "spam"));
            assertThat(r.status()).as("Route %s", route).isEqualTo(403);
            assertThat(r.reason()).isEqualTo("Not a dialog of this pool");
            attacker(hostile(
                    "ACK",
                    target,
                    "<sip:carol@elsewhere.test>;tag=c3",
                    "<" + target + ">;tag=x",
                    List.of("Route: <" + route + ">"),
                    ""));
        }
        assertThat(victimReceives()).as("what reached the victim").isEmpty();
        assertThat(acksDropped("unsigned-route") - unsigned).isEqualTo(3.0);
    }

    @Test
    void a_calls_ack_and_bye_follow_its_signed_record_route_and_it_serves_no_other_dialog() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret");
                TestPhone bob = new TestPhone("udp", node.sipUdpPort(), "bob", "bob-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(bob.register().status()).isEqualTo(200);
            Thread answer = new Thread(() -> {
                try {
                    Msg invite = bob.awaitRequest("INVITE");
                    bob.inviteSeen = invite;
                    bob.respond(invite, 200, "OK", "bob-tag", List.of());
                } catch (Exception e) {
                    bob.failure = e;
                }
            });
            answer.start();
            String target = "sip:bob@example.test";
            String callId = UUID.randomUUID() + "@open-relay";
            String tag = TestPhone.newTag();
            Msg ok;
            try {
                ok = alice.authenticated("INVITE", target, callId, tag, "application/sdp", "v=0\r\n");
            } finally {
                answer.join(10_000);
            }
            assertThat(bob.failure).as("bob's side").isNull();
            assertThat(ok.status()).isEqualTo(200);
            List<String> recordRoutes = ok.headers().stream()
                    .filter(h -> h[0].equals("record-route"))
                    .flatMap(h -> SipTestClient.splitTopLevel(h[1]).stream())
                    .toList();
            assertThat(recordRoutes).isNotEmpty().allMatch(rr -> rr.contains(";sbsig="));

            // the caller's ACK (its From tag names the dialog) ...
            Dialog caller = alice.callerDialog(target, tag, ok);
            alice.ack2xx(caller, ok);
            assertThat(bob.awaitRequest("ACK").callId()).isEqualTo(callId);
            // ... and the callee's BYE (its To tag does) follow the route set
            Dialog callee = bob.calleeDialog(bob.inviteSeen, "bob-tag");
            bob.send(bob.inDialog(callee, "BYE", callee.cseq++, TestPhone.newBranch()));
            Msg bye = alice.awaitRequest("BYE");
            assertThat(bye.callId()).isEqualTo(callId);
            alice.respond(bye, 200, "OK", null, List.of());
            assertThat(bob.await(m -> !m.isRequest() && m.cseqMethod().equals("BYE"), TestPhone.WAIT)
                            .status())
                    .isEqualTo(200);

            // The same Record-Route lifted into another dialog (or the same Call-ID with other tags) is refused.
            double unsigned = acksDropped("unsigned-route");
            String victimTarget = victimUri();
            List<String> routes =
                    recordRoutes.stream().map(rr -> "Route: " + rr).toList();
            for (String[] ids :
                    List.of(new String[] {UUID.randomUUID() + "@evil", "c4"}, new String[] {callId, "c5"})) {
                SipTestClient.Response r = attackerRequest(hostile(
                        "MESSAGE",
                        victimTarget,
                        ids[0],
                        "<sip:carol@elsewhere.test>;tag=" + ids[1],
                        "<" + victimTarget + ">;tag=x",
                        routes,
                        "spam"));
                assertThat(r.status()).as("Call-ID %s, tag %s", ids[0], ids[1]).isEqualTo(403);
                attacker(hostile(
                        "ACK",
                        victimTarget,
                        ids[0],
                        "<sip:carol@elsewhere.test>;tag=" + ids[1],
                        "<" + victimTarget + ">;tag=x",
                        routes,
                        ""));
            }
            assertThat(victimReceives()).as("what reached the victim").isEmpty();
            assertThat(acksDropped("unsigned-route") - unsigned).isEqualTo(2.0);
        }
    }

    // ------------------------------------------------------------------ the attacker's bytes

    private String victimUri() {
        return "sip:victim@127.0.0.1:" + victim.getLocalPort();
    }

    private String hostile(String method, String uri, String from, String to, List<String> extra, String body) {
        return hostile(method, uri, UUID.randomUUID() + "@attacker", from, to, extra, body);
    }

    private String hostile(
            String method, String uri, String callId, String from, String to, List<String> extra, String body) {
        StringBuilder b = new StringBuilder(method + " " + uri + " SIP/2.0\r\n");
        b.append("Via: SIP/2.0/UDP 127.0.0.1:")
                .append(attacker.getLocalPort())
                .append(";branch=")
                .append(TestPhone.newBranch())
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        b.append("From: ").append(from).append("\r\n");
        b.append("To: ").append(to).append("\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: 1 ").append(method).append("\r\n");
        if (!body.isEmpty()) {
            b.append("Content-Type: text/plain\r\n");
        }
        return b.append("Content-Length: ")
                .append(body.getBytes(StandardCharsets.UTF_8).length)
                .append("\r\n\r\n")
                .append(body)
                .toString();
    }

    private void attacker(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        attacker.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress("127.0.0.1", node.sipUdpPort())));
    }

    /** Sends and waits for the final response of that transaction (its branch). */
    private SipTestClient.Response attackerRequest(String text) throws IOException {
        String branch = TestPhone.branchOf(text);
        attacker(text);
        long deadline = System.nanoTime() + TestPhone.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String raw = receive(attacker, Duration.ofNanos(deadline - System.nanoTime()));
            if (raw == null) {
                break;
            }
            SipTestClient.Response r = SipTestClient.parse(raw);
            if (r.status() >= 200 && raw.contains("branch=" + branch)) {
                return r;
            }
        }
        throw new AssertionError("no final response to " + text.substring(0, text.indexOf('\r'))
                + "; meanwhile the victim received " + everything(victim, Duration.ofMillis(100)));
    }

    private List<String> victimReceives() throws IOException {
        return everything(victim, QUIET);
    }

    private List<String> attackerReceives() throws IOException {
        return everything(attacker, Duration.ofMillis(500));
    }

    /** Every datagram that arrives on {@code socket} within {@code window}. */
    private static List<String> everything(DatagramSocket socket, Duration window) throws IOException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            String raw = receive(socket, Duration.ofNanos(left));
            if (raw != null) {
                got.add(raw.substring(0, Math.max(0, raw.indexOf('\r'))));
            }
        }
        return got;
    }

    private static String receive(DatagramSocket socket, Duration timeout) throws IOException {
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    private double acksDropped(String reason) {
        Matcher m = Pattern.compile("switchboard_proxy_acks_dropped_total\\{reason=\"" + reason + "\",} (\\S+)")
                .matcher(node.metrics().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }
}
