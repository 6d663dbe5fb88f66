package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.TestPhone.Msg;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What real phones noticed (issue 11 items 3 and 4), with real sockets on one node: a PUBLISH
 * from an RFC 5626 outbound endpoint over its registered TCP connection is that endpoint's
 * presence; responses to requests without a To tag get one (RFC 3261 section 8.2.6.2); Via and
 * Record-Route go out one value per header line, as seen in the bytes a phone receives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PhoneDetailsSipTest {

    private static final String KEYSPACE = "phone_details_sip_test";
    private static final String USERS = """
            switchboard.bootstrap-users = [
              { uri = "sip:alice@example.test", password = "alice-secret" }
              { uri = "sip:bob@example.test", password = "bob-secret" }
              { uri = "sip:carol@example.test", password = "carol-secret" }
              { uri = "sip:dave@example.test", password = "dave-secret" }
            ]
            """;
    private static final String CLOSED = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:alice@example.test\">"
            + "<tuple id=\"t1\"><status><basic>closed</basic></status></tuple></presence>";
    private static final String OPEN = CLOSED.replace("closed", "open");

    private SwitchboardNode node;

    @BeforeAll
    void start() {
        node = TestNodes.start(KEYSPACE, USERS);
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void publish_over_the_outbound_tcp_flow_is_the_registered_endpoints_presence() throws Exception {
        try (TestPhone alice = new TestPhone("tcp", node.sipTcpPort(), "alice", "alice-secret");
                TestPhone bob = new TestPhone("udp", node.sipUdpPort(), "bob", "bob-secret")) {
            // as baresip does: +sip.instance and reg-id in the REGISTER (RFC 5626 section 4.2) ...
            Msg registered = registerOutbound(alice);
            assertThat(registered.status()).isEqualTo(200);
            assertThat(registered.header("require")).as("an outbound binding").contains("outbound");
            assertThat(TestPhone.tagOf(registered.header("to"))).isNotBlank();

            PresenceSipTest.Watch w = PresenceSipTest.subscribe(bob, alice.aor(), List.of());
            assertThat(w.first.body()).contains("<sb:availability>3500<");

            // ... and a PUBLISH without Contact (so without instance) over the same connection
            Msg closed = PresenceSipTest.publish(alice, CLOSED, null, 600);
            assertThat(closed.status()).isEqualTo(200);
            assertThat(closed.header("sip-etag")).isNotBlank();
            assertThat(TestPhone.tagOf(closed.header("to")))
                    .as("RFC 3261 section 8.2.6.2: the 200 to PUBLISH has a To tag")
                    .isNotBlank();
            Msg offline = w.next(bob);
            assertThat(offline.body()).contains("<basic>closed</basic>").contains("<sb:availability>18500<");

            // the same endpoint opening again brings it back
            Msg open = PresenceSipTest.publish(alice, OPEN, closed.header("sip-etag"), 600);
            assertThat(open.status()).isEqualTo(200);
            assertThat(TestPhone.tagOf(open.header("to"))).isNotBlank();
            assertThat(w.next(bob).body()).contains("<basic>open</basic>").contains("<sb:availability>3500<");

            // a refused PUBLISH is a response of ours too
            Msg refused = PresenceSipTest.publishRaw(alice, alice.aor(), "text/plain", "hello", null, 600);
            assertThat(refused.status()).isEqualTo(415);
            assertThat(TestPhone.tagOf(refused.header("to"))).isNotBlank();
        }
    }

    @Test
    void via_and_record_route_go_out_one_value_per_line() throws Exception {
        try (TestPhone carol = new TestPhone("tcp", node.sipTcpPort(), "carol", "carol-secret");
                TestPhone dave = new TestPhone("tcp", node.sipTcpPort(), "dave", "dave-secret")) {
            assertThat(dave.register().status()).isEqualTo(200);
            // carol's INVITE arrives as if through a proxy upstream of her: a second Via and a
            // Record-Route are already there, so every message of the call carries two or more
            List<String> upstream = List.of(
                    "Via: SIP/2.0/UDP 192.0.2.9:5070;branch=" + TestPhone.newBranch(),
                    "Record-Route: <sip:192.0.2.9:5070;lr>");
            CompletableFuture<Msg> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return carol.authenticated(
                            "INVITE",
                            dave.aor(),
                            UUID.randomUUID() + "@lines",
                            TestPhone.newTag(),
                            upstream,
                            "application/sdp",
                            "v=0\r\n",
                            "carol",
                            "carol-secret");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Msg invite = dave.awaitRequest("INVITE");
            // the forwarded request: the node's Via, carol's and the upstream one
            assertOnePerLine(invite.raw(), "Via", 3);
            assertOnePerLine(invite.raw(), "Record-Route", 2);

            dave.respond(invite, 200, "OK", TestPhone.newTag(), List.of());
            Msg ok = answer.get(15, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            // the relayed response: carol's Via and the upstream one, all Record-Routes
            assertOnePerLine(ok.raw(), "Via", 2);
            assertOnePerLine(ok.raw(), "Record-Route", 2);
        }
    }

    /** At least {@code atLeast} lines of header {@code name} in the raw text, each with one value. */
    private static void assertOnePerLine(String raw, String name, int atLeast) {
        String head = raw.substring(0, raw.indexOf("\r\n\r\n"));
        List<String> lines = new ArrayList<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0
                    && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                lines.add(line);
            }
        }
        assertThat(lines).as(name + " lines in:\n" + raw).hasSizeGreaterThanOrEqualTo(atLeast);
        for (String line : lines) {
            assertThat(SipTestClient.splitTopLevel(line.substring(line.indexOf(':') + 1)))
                    .as("one value per line: " + line)
                    .hasSize(1);
        }
    }

    /** A REGISTER with RFC 5626 outbound (instance, reg-id, Supported: outbound), answering the 401. */
    private static Msg registerOutbound(TestPhone phone) throws Exception {
        String callId = UUID.randomUUID() + "@outbound";
        String tag = TestPhone.newTag();
        String instance = "<urn:uuid:" + UUID.randomUUID() + ">";
        Msg challenge = phone.request(outboundRegister(phone, callId, tag, 1, instance, null));
        if (challenge.status() != 401) {
            return challenge;
        }
        String auth = SipTestClient.authorization(
                challenge.header("www-authenticate"), phone.user, "alice-secret", "REGISTER", "sip:" + phone.domain, 1);
        return phone.request(outboundRegister(phone, callId, tag, 2, instance, auth));
    }

    private static String outboundRegister(
            TestPhone phone, String callId, String tag, long cseq, String instance, String auth) {
        String contact = phone.contact(); // sip:alice@127.0.0.1:PORT;transport=tcp
        String hostPort = contact.substring(contact.indexOf('@') + 1, contact.indexOf(';'));
        StringBuilder b = new StringBuilder("REGISTER sip:" + phone.domain + " SIP/2.0\r\n");
        b.append("Via: SIP/2.0/TCP ")
                .append(hostPort)
                .append(";branch=")
                .append(TestPhone.newBranch())
                .append(";rport\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(phone.aor()).append(">;tag=").append(tag).append("\r\n");
        b.append("To: <").append(phone.aor()).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(cseq).append(" REGISTER\r\n");
        b.append("Supported: outbound, path, gruu\r\n");
        b.append("Contact: <")
                .append(contact)
                .append(";ob>;+sip.instance=\"")
                .append(instance)
                .append("\";reg-id=1\r\n");
        b.append("Expires: 600\r\n");
        if (auth != null) {
            b.append(auth).append("\r\n");
        }
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }
}
