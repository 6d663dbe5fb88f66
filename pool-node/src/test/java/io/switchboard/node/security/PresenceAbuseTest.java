package io.switchboard.node.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.node.AdminHttp;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.node.TestNodes;
import io.switchboard.node.TestPhone;
import io.switchboard.node.TestPhone.Msg;
import io.switchboard.storage.testing.TestCassandra;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 10, item 4, over real UDP against one node: presence cannot be used anonymously or as a
 * reflector. partner.test is federated from 127.0.0.1 (where these tests send from), faraway.test
 * only from 192.0.2.0/24 (so its From is not believed here), stranger.test not at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceAbuseTest {

    private static final String KEYSPACE = "presence_abuse_test";
    private static final int DIALOGS_PER_WATCHER = 3;
    private static final String EXTRA = """
            switchboard.federation.domains = [
              { domain = "partner.test", sources = ["127.0.0.1/32"] }
              { domain = "faraway.test", sources = ["192.0.2.0/24"] }
            ]
            switchboard.presence.limits.dialogs-per-watcher = %d
            """.formatted(DIALOGS_PER_WATCHER);

    private SwitchboardNode node;
    private CqlSession cql;

    @BeforeAll
    void start() {
        cql = TestCassandra.session(KEYSPACE); // the same fresh keyspace the node then uses
        node = TestNodes.start(KEYSPACE, EXTRA);
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void an_anonymous_subscribe_from_a_domain_not_federated_is_refused_and_the_third_party_gets_nothing()
            throws Exception {
        try (DatagramSocket victim = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
                TestPhone attacker = new TestPhone("udp", node.sipUdpPort(), "mallory", "unused")) {
            String victimContact = "sip:victim@127.0.0.1:" + victim.getLocalPort();
            for (String from : List.of("sip:mallory@stranger.test", "sip:mallory@faraway.test")) {
                Msg answer = attacker.request(subscribe(attacker, from, "sip:alice@example.test", victimContact, 600));
                assertThat(answer.status()).as(from).isEqualTo(403);
                assertThat(answer.firstLine()).contains("Presence is offered to our users and federated domains only");
            }
            // the same answer for a user who does not exist: nothing about the directory leaks here
            Msg ghost = attacker.request(
                    subscribe(attacker, "sip:mallory@stranger.test", "sip:ghost@example.test", victimContact, 600));
            assertThat(ghost.status()).isEqualTo(403);
            assertThat(ghost.firstLine()).contains("Presence is offered to our users and federated domains only");

            victim.setSoTimeout(3000);
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            boolean reached = true;
            try {
                victim.receive(p);
            } catch (SocketTimeoutException e) {
                reached = false;
            }
            assertThat(reached)
                    .as(
                            "the third party named in the Contact received: %s",
                            reached ? new String(p.getData(), 0, p.getLength()) : "")
                    .isFalse();
        }
        assertThat(refused("not-federated")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void a_federated_watcher_is_admitted_and_a_made_up_user_looks_exactly_like_an_offline_one() throws Exception {
        try (TestPhone pat = new TestPhone("udp", node.sipUdpPort(), "pat", "unused")) {
            Watched bob = watch(pat, "sip:pat@partner.test", "sip:bob@example.test"); // exists, never registered
            Watched ghost = watch(pat, "sip:pat@partner.test", "sip:nobody-here@example.test"); // no account

            assertThat(bob.ok.status()).isEqualTo(200);
            assertThat(bob.first.header("subscription-state")).startsWith("active");
            assertThat(bob.first.body()).contains("<sb:availability>18500<");
            assertThat(headerNames(ghost.ok)).isEqualTo(headerNames(bob.ok));
            assertThat(ghost.ok.firstLine()).isEqualTo(bob.ok.firstLine());
            assertThat(ghost.ok.header("expires")).isEqualTo(bob.ok.header("expires"));
            assertThat(headerNames(ghost.first)).isEqualTo(headerNames(bob.first));
            assertThat(ghost.first.header("subscription-state")).isEqualTo(bob.first.header("subscription-state"));
            assertThat(normalised(ghost.first.body(), "sip:nobody-here@example.test"))
                    .isEqualTo(normalised(bob.first.body(), "sip:bob@example.test"));
            assertThat(watcherRows("sip:nobody-here@example.test"))
                    .as("no presentity row for a user who does not exist")
                    .isZero();
            assertThat(watcherRows("sip:bob@example.test")).isEqualTo(1);
        }
    }

    @Test
    void a_list_subscribes_only_our_users_and_answers_the_others_rejected() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node.sipUdpPort(), "alice", "alice-secret")) {
            String list = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                    + "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>"
                    + "<entry uri=\"sip:bob@example.test\"/>"
                    + "<entry uri=\"sip:victim@elsewhere.test\"/>"
                    + "<entry uri=\"sip:victim2@203.0.113.9\"/>"
                    + "</list></resource-lists>";
            String callId = UUID.randomUUID() + "@abuse-test";
            Msg ok = alice.authenticated(
                    "SUBSCRIBE",
                    "sip:alice-list@example.test",
                    callId,
                    TestPhone.newTag(),
                    List.of(
                            "Event: presence",
                            "Expires: 600",
                            "Supported: eventlist",
                            "Accept: application/pidf+xml, application/rlmi+xml, multipart/related"),
                    "application/resource-lists+xml",
                    list,
                    "alice",
                    "alice-secret");
            assertThat(ok.status()).isEqualTo(200);
            Msg first = alice.await(
                    m -> m.isRequest()
                            && m.method().equals("NOTIFY")
                            && m.callId().equals(callId),
                    TestPhone.WAIT);
            alice.respond(first, 200, "OK", null, List.of());
            assertThat(first.body())
                    .containsPattern(
                            "uri=\"sip:victim@elsewhere.test\"><instance id=\"[^\"]+\" state=\"terminated\" reason=\"rejected\"/>")
                    .containsPattern(
                            "uri=\"sip:victim2@203.0.113.9\"><instance id=\"[^\"]+\" state=\"terminated\" reason=\"rejected\"/>")
                    .containsPattern("uri=\"sip:bob@example.test\"><instance id=\"[^\"]+\" state=\"active\"")
                    .doesNotContain("entity=\"sip:victim");
            assertThat(watcherRows("sip:victim@elsewhere.test")).isZero();
            assertThat(watcherRows("sip:victim2@203.0.113.9")).isZero();
        }
    }

    @Test
    void a_watcher_beyond_its_dialog_cap_is_refused_and_counted() throws Exception {
        try (TestPhone capped = new TestPhone("udp", node.sipUdpPort(), "capped", "unused")) {
            for (int i = 0; i < DIALOGS_PER_WATCHER; i++) {
                assertThat(watch(capped, "sip:capped@partner.test", "sip:alice@example.test")
                                .ok
                                .status())
                        .isEqualTo(200);
            }
            Msg refused = capped.request(
                    subscribe(capped, "sip:capped@partner.test", "sip:alice@example.test", capped.contact(), 600));
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.firstLine()).contains("Too many subscriptions for this watcher");
        }
        assertThat(refused("dialogs-per-watcher")).isGreaterThanOrEqualTo(1);
    }

    // ------------------------------------------------------------------ helpers

    private record Watched(Msg ok, Msg first) {}

    /** An unauthenticated SUBSCRIBE (as a federated server sends it) and its first NOTIFY, answered 200. */
    private Watched watch(TestPhone phone, String from, String target) throws IOException {
        String text = subscribe(phone, from, target, phone.contact(), 600);
        Msg ok = phone.request(text);
        assertThat(ok.status()).as("SUBSCRIBE %s from %s", target, from).isEqualTo(200);
        String callId = callIdOf(text);
        Msg notify = phone.await(
                m -> m.isRequest() && m.method().equals("NOTIFY") && m.callId().equals(callId), TestPhone.WAIT);
        phone.respond(notify, 200, "OK", null, List.of());
        return new Watched(ok, notify);
    }

    private static String subscribe(TestPhone phone, String from, String target, String contact, int expires) {
        int port = Integer.parseInt(phone.contact().replaceAll(".*:(\\d+).*", "$1"));
        return "SUBSCRIBE " + target + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + port + ";branch=" + TestPhone.newBranch() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <" + from + ">;tag=" + TestPhone.newTag() + "\r\n"
                + "To: <" + target + ">\r\n"
                + "Call-ID: " + UUID.randomUUID() + "@abuse-test\r\n"
                + "CSeq: 1 SUBSCRIBE\r\n"
                + "Contact: <" + contact + ">\r\n"
                + "Event: presence\r\n"
                + "Accept: application/pidf+xml\r\n"
                + "Expires: " + expires + "\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static String callIdOf(String text) {
        Matcher m = Pattern.compile("(?m)^Call-ID: (\\S+)").matcher(text);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static List<String> headerNames(Msg m) {
        List<String> names = new ArrayList<>();
        for (String[] h : m.headers()) {
            names.add(h[0]);
        }
        return names;
    }

    /** The body with the presentity's URI and the timestamp (the moment its view was made) taken out. */
    private static String normalised(String pidf, String entity) {
        return pidf.replace(entity, "ENTITY")
                .replaceAll("<timestamp>[^<]+</timestamp>", "<timestamp/>")
                .replaceAll("id=\"[^\"]*\"", "id=\"\"");
    }

    private long watcherRows(String presentity) {
        return cql.execute("SELECT count(*) FROM " + KEYSPACE + ".presence_watchers WHERE presentity = ?", presentity)
                .one()
                .getLong(0);
    }

    private double refused(String by) throws Exception {
        String metrics = AdminHttp.get(node.adminPort(), "/metrics").body();
        Matcher m = Pattern.compile("switchboard_presence_refused_total\\{by=\"" + Pattern.quote(by) + "\",?\\} (\\S+)")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
