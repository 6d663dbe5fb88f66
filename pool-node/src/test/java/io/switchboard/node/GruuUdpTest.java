package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.TestPhone.Dialog;
import io.switchboard.node.TestPhone.Msg;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GRUUs (RFC 5627) of endpoints registered over UDP, as linphone uses them: it registers with
 * {@code Supported: gruu} and a {@code +sip.instance}, then puts its pub-gruu or temp-gruu as the
 * Contact of its 2xx to INVITE and of its SUBSCRIBEs. The GRUU's host is our domain, so requests to
 * it (the caller's ACK, our NOTIFYs) reach the phone only if the pool resolves the GRUU to the
 * instance's binding (RFC 5627 section 5.4); over a TCP flow the flow token carried them already.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GruuUdpTest {

    private static final String KEYSPACE = "gruu_udp_test";
    private static final String USERS = """
            switchboard.bootstrap-users = [
              { uri = "sip:alice@example.test", password = "alice-secret" }
              { uri = "sip:carol@example.test", password = "carol-secret" }
              { uri = "sip:dave@example.test", password = "dave-secret" }
            ]
            """;
    private static final Pattern PUB_GRUU = Pattern.compile("pub-gruu=\"([^\"]+)\"");
    private static final Pattern TEMP_GRUU = Pattern.compile("temp-gruu=\"([^\"]+)\"");

    private SwitchboardNode node;

    @BeforeAll
    void startNode() {
        node = TestNodes.start(KEYSPACE, USERS);
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void the_callers_ack_to_the_gruu_of_a_udp_callee_reaches_it() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret");
                TestPhone carol = new TestPhone("udp", node.sipUdpPort(), "carol", "carol-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            Gruus gruus = registerWithGruu(carol, "a3c27a4e-1d7a-4a0e-9b1a-3f0e5c6d7e81");

            for (String gruu : List.of(gruus.pub(), gruus.temp())) {
                String callId = UUID.randomUUID() + "@gruu-test";
                String tag = TestPhone.newTag();
                Thread answer = answerWithContact(carol, gruu, "carol-" + tag);
                Msg ok;
                try {
                    ok = alice.authenticated("INVITE", carol.aor(), callId, tag, "application/sdp", "v=0\r\n");
                } finally {
                    answer.join(10_000);
                    assertThat(carol.failure).as("carol's side").isNull();
                }
                assertThat(ok.status()).isEqualTo(200);
                assertThat(TestPhone.uriOf(ok.header("contact"))).isEqualTo(gruu);

                // RFC 3261 section 13.2.2.4: the ACK goes to the remote target, the GRUU, along the route set
                Dialog d = alice.callerDialog(carol.aor(), tag, ok);
                alice.ack2xx(d, ok);
                Msg ack = carol.await(
                        m -> m.isRequest() && m.method().equals("ACK") && callId.equals(m.callId()), TestPhone.WAIT);
                // retargeted to the instance's registered contact, as the proxy does for any request to a GRUU
                assertThat(ack.requestUri()).as("ACK to " + gruu).isEqualTo(carol.contact());
            }
        }
    }

    @Test
    void a_watcher_whose_contact_is_the_gruu_of_a_udp_binding_gets_notify() throws Exception {
        try (TestPhone dave = new TestPhone("udp", node.sipUdpPort(), "dave", "dave-secret")) {
            Gruus gruus = registerWithGruu(dave, "0b6f3d52-58a4-4c11-8f1e-2d9c7a1b4e60");

            for (String gruu : List.of(gruus.pub(), gruus.temp())) {
                String callId = UUID.randomUUID() + "@gruu-test";
                Msg ok = subscribe(dave, "sip:alice@example.test", callId, gruu);
                assertThat(ok.status()).as("SUBSCRIBE with Contact " + gruu).isEqualTo(200);

                Msg notify = dave.await(
                        m -> m.isRequest() && m.method().equals("NOTIFY") && callId.equals(m.callId()), TestPhone.WAIT);
                dave.respond(notify, 200, "OK", null, List.of());
                assertThat(notify.requestUri()).as("NOTIFY to " + gruu).isEqualTo(dave.contact());
                assertThat(notify.header("subscription-state")).startsWith("active");
                assertThat(notify.header("event")).startsWith("presence");
                assertThat(notify.body()).contains("entity=\"sip:alice@example.test\"");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private record Gruus(String pub, String temp) {}

    /** Registers the phone's contact with an instance and asks for GRUUs (RFC 5627 section 4.1). */
    private static Gruus registerWithGruu(TestPhone phone, String uuid) throws IOException {
        String callId = UUID.randomUUID() + "@reg";
        String tag = TestPhone.newTag();
        String contact = "Contact: <" + phone.contact() + ">;+sip.instance=\"<urn:uuid:" + uuid + ">\"";
        Msg challenge = phone.request(register(phone, callId, tag, 1, contact, List.of()));
        assertThat(challenge.status()).isEqualTo(401);
        String auth = SipTestClient.authorization(
                challenge.header("www-authenticate"),
                phone.user,
                phone.user + "-secret",
                "REGISTER",
                "sip:example.test",
                1);
        Msg ok = phone.request(register(phone, callId, tag, 2, contact, List.of(auth)));
        assertThat(ok.status()).isEqualTo(200);
        String contacts = String.join(",", ok.all("contact"));
        Matcher pub = PUB_GRUU.matcher(contacts);
        Matcher temp = TEMP_GRUU.matcher(contacts);
        assertThat(pub.find()).as("pub-gruu in " + contacts).isTrue();
        assertThat(temp.find()).as("temp-gruu in " + contacts).isTrue();
        assertThat(pub.group(1)).isEqualTo(phone.aor() + ";gr=urn:uuid:" + uuid);
        return new Gruus(pub.group(1), temp.group(1));
    }

    private static String register(
            TestPhone phone, String callId, String tag, long seq, String contact, List<String> extra) {
        StringBuilder b = new StringBuilder("REGISTER sip:example.test SIP/2.0\r\n");
        b.append(via(phone)).append("\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(phone.aor()).append(">;tag=").append(tag).append("\r\n");
        b.append("To: <").append(phone.aor()).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(seq).append(" REGISTER\r\n");
        b.append("Supported: gruu\r\n");
        b.append(contact).append("\r\n");
        b.append("Expires: 600\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    /** A presence SUBSCRIBE whose Contact is {@code contactUri}, answering the 407 (RFC 3261 section 22.3). */
    private static Msg subscribe(TestPhone phone, String target, String callId, String contactUri) throws IOException {
        String tag = TestPhone.newTag();
        Msg first = phone.request(subscribeText(phone, target, callId, tag, 1, contactUri, List.of()));
        if (first.status() != 407) {
            return first;
        }
        String auth = SipTestClient.authorization(
                        first.header("proxy-authenticate"), phone.user, phone.user + "-secret", "SUBSCRIBE", target, 1)
                .replaceFirst("^Authorization:", "Proxy-Authorization:");
        return phone.request(subscribeText(phone, target, callId, tag, 2, contactUri, List.of(auth)));
    }

    private static String subscribeText(
            TestPhone phone,
            String target,
            String callId,
            String tag,
            long seq,
            String contactUri,
            List<String> extra) {
        StringBuilder b = new StringBuilder("SUBSCRIBE " + target + " SIP/2.0\r\n");
        b.append(via(phone)).append("\r\n");
        b.append("Max-Forwards: 70\r\n");
        b.append("From: <").append(phone.aor()).append(">;tag=").append(tag).append("\r\n");
        b.append("To: <").append(target).append(">\r\n");
        b.append("Call-ID: ").append(callId).append("\r\n");
        b.append("CSeq: ").append(seq).append(" SUBSCRIBE\r\n");
        b.append("Contact: <").append(contactUri).append(">\r\n");
        b.append("Event: presence\r\n");
        b.append("Accept: application/pidf+xml\r\n");
        b.append("Expires: 600\r\n");
        for (String h : extra) {
            b.append(h).append("\r\n");
        }
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    /** The callee's side of one call: 200 to the next INVITE with {@code contactUri} as its Contact. */
    private static Thread answerWithContact(TestPhone phone, String contactUri, String toTag) {
        Thread t = new Thread(
                () -> {
                    try {
                        Msg invite = phone.awaitRequest("INVITE");
                        phone.send(okWithContact(invite, contactUri, toTag));
                    } catch (IOException e) {
                        phone.failure = e;
                    }
                },
                "answer-" + phone.user);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A 200 to {@code invite} (RFC 3261 section 12.1.1: Record-Route copied, Contact the remote
     * target), sent to the node, which is the top Via's sent-by.
     */
    private static String okWithContact(Msg invite, String contactUri, String toTag) {
        StringBuilder b = new StringBuilder("SIP/2.0 200 OK\r\n");
        for (String[] h : invite.headers()) {
            if (h[0].equals("via")) {
                b.append("Via: ").append(h[1]).append("\r\n");
            } else if (h[0].equals("record-route")) {
                b.append("Record-Route: ").append(h[1]).append("\r\n");
            }
        }
        b.append("From: ").append(invite.header("from")).append("\r\n");
        b.append("To: ")
                .append(invite.header("to"))
                .append(";tag=")
                .append(toTag)
                .append("\r\n");
        b.append("Call-ID: ").append(invite.callId()).append("\r\n");
        b.append("CSeq: ").append(invite.header("cseq")).append("\r\n");
        b.append("Contact: <").append(contactUri).append(">\r\n");
        return b.append("Content-Length: 0\r\n\r\n").toString();
    }

    private static String via(TestPhone phone) {
        String contact = phone.contact();
        String port = contact.substring(contact.lastIndexOf(':') + 1);
        return "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=" + TestPhone.newBranch() + ";rport";
    }
}
