package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.TestPhone.Dialog;
import io.switchboard.node.TestPhone.Msg;
import io.switchboard.presence.entity.EntityPresenceAdmin;
import io.switchboard.presence.entity.ShardedPresence;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Presence end to end with real sockets: two pool nodes (one cluster, one Cassandra), phones on
 * both, SUBSCRIBE / NOTIFY (RFC 6665, RFC 3856), PUBLISH with entity-tags (RFC 3903),
 * registration driving presence, access levels, resource lists (RFC 4662) and the refusals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PresenceSipTest {

    private static final String KEYSPACE = "presence_sip_test";
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
              { uri = "sip:judy@example.test", password = "judy-secret" }
              { uri = "sip:kate@example.test", password = "kate-secret" }
            ]
            switchboard.presence.custom-states = [ { id = 1, text = "Working from home", availability = available } ]
            """;
    private static final Duration SECOND = Duration.ofSeconds(1);

    private SwitchboardNode node1;
    private SwitchboardNode node2;
    private EntityPresenceAdmin admin;

    @BeforeAll
    void startPool() {
        SwitchboardNode[] pair = TestNodes.startPair(KEYSPACE, USERS);
        node1 = pair[0];
        node2 = pair[1];
        admin = new EntityPresenceAdmin(new ShardedPresence(node1.system(), Duration.ofSeconds(5)));
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

    // ------------------------------------------------------------------ the tests

    @Test
    void watcher_on_another_node_sees_publish_and_registration_changes_within_a_second() throws Exception {
        try (TestPhone alice = new TestPhone("udp", node1.sipUdpPort(), "alice", "alice-secret");
                TestPhone bob = new TestPhone("tcp", node2.sipTcpPort(), "bob", "bob-secret")) {
            assertThat(alice.register().status()).isEqualTo(200);
            Watch w = subscribe(bob, "sip:alice@example.test", List.of());
            assertThat(w.ok.status()).isEqualTo(200);
            assertThat(w.ok.header("expires")).isEqualTo("600");
            assertThat(w.first.header("subscription-state")).startsWith("active");
            assertThat(w.first.header("content-type")).isEqualTo("application/pidf+xml");
            assertThat(w.first.body())
                    .contains("entity=\"sip:alice@example.test\"")
                    .contains("<sb:availability>3500<");

            long t0 = System.nanoTime();
            Msg published = publish(alice, state("do-not-disturb", "In the lab"), null, 600);
            assertThat(published.status()).isEqualTo(200);
            assertThat(published.header("sip-etag")).isNotBlank();
            assertThat(published.header("expires")).isEqualTo("600");
            Msg dnd = w.next(bob);
            assertThat(System.nanoTime() - t0).as("PUBLISH to NOTIFY").isLessThan(SECOND.toNanos());
            assertThat(dnd.body()).contains("<sb:availability>9500<").contains("do-not-disturb");
            assertThat(dnd.body()).as("colleagues do not see the note").doesNotContain("In the lab");
            assertThat(TestPhone.seqOf(dnd)).isGreaterThan(TestPhone.seqOf(w.first));

            // removing the publication (RFC 3903: SIP-If-Match + Expires 0) brings back the machine state
            Msg removed = publish(alice, null, published.header("sip-etag"), 0);
            assertThat(removed.status()).isEqualTo(200);
            assertThat(w.next(bob).body()).contains("<sb:availability>3500<");

            // the last binding going makes the user Offline
            t0 = System.nanoTime();
            assertThat(alice.register(0).status()).isEqualTo(200);
            Msg offline = w.next(bob);
            assertThat(System.nanoTime() - t0).as("REGISTER to NOTIFY").isLessThan(SECOND.toNanos());
            assertThat(offline.body()).contains("<sb:availability>18500<").contains("<basic>closed</basic>");

            // and registering again makes the user Available
            assertThat(alice.register().status()).isEqualTo(200);
            assertThat(w.next(bob).body()).contains("<sb:availability>3500<");
        }
    }

    @Test
    void publish_lifecycle_follows_rfc_3903() throws Exception {
        try (TestPhone carol = new TestPhone("udp", node2.sipUdpPort(), "carol", "carol-secret")) {
            assertThat(carol.register().status()).isEqualTo(200);
            Msg first = publish(carol, state("busy", null), null, 600);
            assertThat(first.status()).isEqualTo(200);
            String etag = first.header("sip-etag");
            Msg refreshed = publish(carol, null, etag, 900);
            assertThat(refreshed.status()).as("refresh").isEqualTo(200);
            assertThat(refreshed.header("sip-etag"))
                    .as("a new tag for each success")
                    .isNotEqualTo(etag);
            assertThat(publish(carol, null, etag, 900).status())
                    .as("the old tag is gone")
                    .isEqualTo(412);
            Msg modified = publish(carol, state("away", null), refreshed.header("sip-etag"), 600);
            assertThat(modified.status()).isEqualTo(200);
            assertThat(admin.presence("sip:carol@example.test", null)
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS)
                            .availability()
                            .token())
                    .isEqualTo("away");
            // a custom state of the pool's policy (switchboard.presence.custom-states): shown as its text
            Msg custom = publish(carol, customState(1), modified.header("sip-etag"), 600);
            assertThat(custom.status()).isEqualTo(200);
            var seen = admin.presence("sip:carol@example.test", null)
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertThat(seen.availability().token()).isEqualTo("available");
            assertThat(seen.activity()).isEqualTo("Working from home");
            Msg unknownCustom = publish(carol, customState(3), custom.header("sip-etag"), 600);
            assertThat(unknownCustom.status()).isEqualTo(400);
            assertThat(unknownCustom.firstLine()).contains("Unknown custom state 3");
            assertThat(publish(carol, state("away", null), custom.header("sip-etag"), 600)
                            .status())
                    .isEqualTo(200);
            Msg brief = publish(carol, state("busy", null), null, 10);
            assertThat(brief.status()).isEqualTo(423);
            assertThat(brief.header("min-expires")).isEqualTo("60");
            assertThat(publish(carol, null, null, 600).status())
                    .as("initial without body")
                    .isEqualTo(400);
            Msg garbage =
                    publishRaw(carol, "sip:carol@example.test", "application/pidf+xml", "<presence><oops", null, 600);
            assertThat(garbage.status()).isEqualTo(400);
            Msg wrongType = publishRaw(carol, "sip:carol@example.test", "text/plain", "busy", null, 600);
            assertThat(wrongType.status()).isEqualTo(415);
            assertThat(wrongType.header("accept")).isEqualTo("application/pidf+xml");
            Msg others =
                    publishRaw(carol, "sip:dave@example.test", "application/pidf+xml", state("busy", null), null, 600);
            assertThat(others.status())
                    .as("only the user publishes their presence")
                    .isEqualTo(403);
            assertThat(admin.presence("sip:carol@example.test", null)
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS)
                            .availability()
                            .token())
                    .as("nothing bad input did changed the state")
                    .isEqualTo("away");
        }
    }

    /**
     * One phone, one state: a phone that starts two publications from one socket and keeps the
     * entity-tag of the later one (baresip 1.0 does, when its registration completes as its
     * publisher starts) must be shown by what it says next, not by the first publication it forgot
     * (which would say "open" until it expired). The later one replaces the earlier (PublishRules).
     */
    @Test
    void a_second_initial_publish_from_one_phone_replaces_its_first() throws Exception {
        try (TestPhone kate = new TestPhone("udp", node1.sipUdpPort(), "kate", "kate-secret")) {
            assertThat(kate.register().status()).isEqualTo(200);
            Msg first = publish(kate, basic("open"), null, 600);
            Msg second = publish(kate, basic("open"), null, 600);
            assertThat(first.status()).as(first.raw()).isEqualTo(200);
            assertThat(second.status()).as(second.raw()).isEqualTo(200);

            Msg closed = publish(kate, basic("closed"), second.header("sip-etag"), 600);
            assertThat(closed.status()).as(closed.raw()).isEqualTo(200);
            assertThat(admin.presence("sip:kate@example.test", null)
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS)
                            .availability()
                            .token())
                    .as("closed, the phone's only state now")
                    .isEqualTo("offline");
            assertThat(publish(kate, basic("open"), first.header("sip-etag"), 600)
                            .status())
                    .as("the replaced publication's tag no longer matches (RFC 3903 section 6, step 3)")
                    .isEqualTo(412);
        }
    }

    @Test
    void subscribe_refusals_unsubscribe_and_fetch() throws Exception {
        try (TestPhone dave = new TestPhone("udp", node1.sipUdpPort(), "dave", "dave-secret")) {
            Msg badEvent = dave.authenticated(
                    "SUBSCRIBE",
                    "sip:erin@example.test",
                    callId(),
                    TestPhone.newTag(),
                    List.of("Event: weather", "Expires: 600"),
                    "",
                    "",
                    "dave",
                    "dave-secret");
            assertThat(badEvent.status()).isEqualTo(489);
            assertThat(badEvent.header("allow-events")).isEqualTo("presence");
            Msg brief = dave.authenticated(
                    "SUBSCRIBE",
                    "sip:erin@example.test",
                    callId(),
                    TestPhone.newTag(),
                    List.of("Event: presence", "Expires: 5"),
                    "",
                    "",
                    "dave",
                    "dave-secret");
            assertThat(brief.status()).isEqualTo(423);
            assertThat(brief.header("min-expires")).isEqualTo("60");

            Watch w = subscribe(dave, "sip:erin@example.test", List.of());
            assertThat(w.first.body()).as("erin never registered").contains("<sb:availability>18500<");
            Msg bye = dave.request(withHeaders(
                    dave.inDialog(w.dialog, "SUBSCRIBE", w.dialog.cseq++, TestPhone.newBranch()),
                    "Event: presence",
                    "Expires: 0"));
            assertThat(bye.status()).isEqualTo(200);
            Msg last = w.next(dave);
            assertThat(last.header("subscription-state")).isEqualTo("terminated;reason=timeout");
            Msg again = dave.request(withHeaders(
                    dave.inDialog(w.dialog, "SUBSCRIBE", w.dialog.cseq++, TestPhone.newBranch()),
                    "Event: presence",
                    "Expires: 600"));
            assertThat(again.status()).as("refreshing an ended subscription").isEqualTo(481);

            // Expires 0 on a new SUBSCRIBE is a fetch: one NOTIFY, subscription terminated (RFC 6665 4.4.3)
            Watch fetch = subscribe(dave, "sip:erin@example.test", List.of("Expires: 0"));
            assertThat(fetch.ok.status()).isEqualTo(200);
            assertThat(fetch.first.header("subscription-state")).isEqualTo("terminated;reason=timeout");
            assertThat(fetch.first.body()).contains("<sb:availability>18500<");
        }
    }

    @Test
    void blocked_watcher_sees_offline_and_never_the_real_state_while_workgroup_sees_the_note() throws Exception {
        try (TestPhone frank = new TestPhone("udp", node1.sipUdpPort(), "frank", "frank-secret");
                TestPhone gina = new TestPhone("udp", node2.sipUdpPort(), "gina", "gina-secret");
                TestPhone hank = new TestPhone("udp", node2.sipUdpPort(), "hank", "hank-secret")) {
            assertThat(frank.register().status()).isEqualTo(200);
            Watch g = subscribe(gina, "sip:frank@example.test", List.of());
            Watch h = subscribe(hank, "sip:frank@example.test", List.of());
            assertThat(g.first.body()).contains("<sb:availability>3500<");

            // through the admin API of either node, as an operator would
            assertThat(AdminHttp.send(
                                    node2.adminPort(),
                                    "PUT",
                                    "/api/presence/sip:frank@example.test/access/sip:gina@example.test",
                                    TestNodes.TOKEN,
                                    "application/json",
                                    "{\"level\":\"blocked\"}")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(AdminHttp.send(
                                    node1.adminPort(),
                                    "PUT",
                                    "/api/presence/sip:frank@example.test/access/sip:hank@example.test",
                                    TestNodes.TOKEN,
                                    "application/json",
                                    "{\"level\":\"workgroup\"}")
                            .statusCode())
                    .isEqualTo(200);
            Msg blocked = g.next(gina);
            assertThat(blocked.body()).as("a changed level re-notifies at once").contains("<sb:availability>18500<");

            assertThat(publish(frank, state("busy", "Call me on my mobile"), null, 600)
                            .status())
                    .isEqualTo(200);
            Msg seenByHank = h.next(hank);
            assertThat(seenByHank.body()).contains("<sb:availability>6500<").contains("Call me on my mobile");
            assertThat(frank.register(0).status()).isEqualTo(200);
            assertThat(h.next(hank).body()).contains("<sb:availability>18500<");
            assertThat(frank.register().status()).isEqualTo(200);
            assertThat(h.next(hank).body()).contains("<sb:availability>6500<");
            // every NOTIFY gina got after the block said Offline, whatever frank did
            for (Msg m : g.drain(gina, Duration.ofMillis(700))) {
                assertThat(m.body()).contains("<sb:availability>18500<").doesNotContain("mobile");
            }
        }
    }

    @Test
    void revoked_watcher_gets_a_final_notify_with_reason_rejected_and_then_sees_offline() throws Exception {
        try (TestPhone judy = new TestPhone("udp", node1.sipUdpPort(), "judy", "judy-secret");
                TestPhone dave = new TestPhone("tcp", node2.sipTcpPort(), "dave", "dave-secret")) {
            assertThat(judy.register().status()).isEqualTo(200);
            Watch w = subscribe(dave, "sip:judy@example.test", List.of());
            assertThat(w.first.body()).contains("<sb:availability>3500<");
            assertThat(AdminHttp.send(
                                    node1.adminPort(),
                                    "PUT",
                                    "/api/presence/sip:judy@example.test/access/sip:dave@example.test",
                                    TestNodes.TOKEN,
                                    "application/json",
                                    "{\"level\":\"workgroup\",\"end-subscriptions\":true}")
                            .statusCode())
                    .as("ending subscriptions goes with blocked only")
                    .isEqualTo(400);
            assertThat(AdminHttp.send(
                                    node1.adminPort(),
                                    "PUT",
                                    "/api/presence/sip:judy@example.test/access/sip:dave@example.test",
                                    TestNodes.TOKEN,
                                    "application/json",
                                    "{\"level\":\"blocked\",\"end-subscriptions\":true}")
                            .statusCode())
                    .isEqualTo(200);
            Msg last = w.next(dave);
            assertThat(last.header("subscription-state")).isEqualTo("terminated;reason=rejected");
            Watch again = subscribe(dave, "sip:judy@example.test", List.of());
            assertThat(again.first.body()).as("a revoked watcher is blocked").contains("<sb:availability>18500<");
        }
    }

    @Test
    void contact_list_subscription_gets_full_state_then_only_changes() throws Exception {
        try (TestPhone erin = new TestPhone("tcp", node1.sipTcpPort(), "erin", "erin-secret");
                TestPhone ivan = new TestPhone("udp", node2.sipUdpPort(), "ivan", "ivan-secret")) {
            assertThat(ivan.register().status()).isEqualTo(200);
            for (String contact : List.of("sip:ivan@example.test", "sip:judy@example.test")) {
                assertThat(AdminHttp.send(
                                        node2.adminPort(),
                                        "PUT",
                                        "/api/presence/sip:erin@example.test/contacts/" + contact,
                                        TestNodes.TOKEN,
                                        "application/json",
                                        "{\"name\":\"Colleague\",\"groups\":[\"Team\"]}")
                                .statusCode())
                        .isEqualTo(200);
            }
            Watch w = subscribe(
                    erin,
                    "sip:erin@example.test",
                    List.of(
                            "Supported: eventlist",
                            "Accept: application/pidf+xml, application/rlmi+xml, multipart/related"));
            assertThat(w.ok.header("require")).isEqualTo("eventlist");
            assertThat(w.first.header("content-type")).startsWith("multipart/related");
            assertThat(w.first.header("require")).isEqualTo("eventlist");
            assertThat(w.first.body())
                    .contains("fullState=\"true\"")
                    .contains("sip:ivan@example.test")
                    .contains("sip:judy@example.test")
                    .contains("<sb:availability>3500<");

            assertThat(publish(ivan, state("be-right-back", null), null, 600).status())
                    .isEqualTo(200);
            Msg change = w.next(erin);
            assertThat(change.body())
                    .contains("fullState=\"false\"")
                    .contains("<sb:availability>12500<")
                    .doesNotContain("uri=\"sip:judy@example.test\"");

            // removing a contact updates the live list subscription: full state without it
            assertThat(AdminHttp.send(
                                    node1.adminPort(),
                                    "DELETE",
                                    "/api/presence/sip:erin@example.test/contacts/sip:judy@example.test",
                                    TestNodes.TOKEN,
                                    null,
                                    null)
                            .statusCode())
                    .isEqualTo(200);
            Msg shorter = w.next(erin);
            assertThat(shorter.body())
                    .contains("fullState=\"true\"")
                    .contains("sip:ivan@example.test")
                    .doesNotContain("uri=\"sip:judy@example.test\"");
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A subscription as the watcher sees it: the 200, the dialog, the NOTIFYs taken so far. */
    static final class Watch {
        Msg ok;
        Dialog dialog;
        Msg first;
        long lastSeq;

        /** The next NOTIFY of this dialog (answered 200); UDP retransmissions are skipped. */
        Msg next(TestPhone phone) throws IOException {
            while (true) {
                Msg n = phone.await(
                        m -> m.isRequest()
                                && m.method().equals("NOTIFY")
                                && m.callId().equals(dialog.callId),
                        TestPhone.WAIT);
                phone.respond(n, 200, "OK", null, List.of());
                if (TestPhone.seqOf(n) > lastSeq) {
                    lastSeq = TestPhone.seqOf(n);
                    return n;
                }
            }
        }

        List<Msg> drain(TestPhone phone, Duration quiet) {
            List<Msg> got = new ArrayList<>();
            try {
                while (true) {
                    Msg n = phone.await(
                            m -> m.isRequest()
                                    && m.method().equals("NOTIFY")
                                    && m.callId().equals(dialog.callId),
                            quiet);
                    phone.respond(n, 200, "OK", null, List.of());
                    got.add(n);
                }
            } catch (IOException e) {
                return got;
            }
        }
    }

    static Watch subscribe(TestPhone phone, String target, List<String> extra) throws IOException {
        List<String> headers = new ArrayList<>(List.of("Event: presence"));
        if (extra.stream().noneMatch(h -> h.startsWith("Expires"))) {
            headers.add("Expires: 600");
        }
        headers.addAll(extra);
        String tag = TestPhone.newTag();
        Watch w = new Watch();
        w.ok = phone.authenticated("SUBSCRIBE", target, callId(), tag, headers, "", "", phone.user, password(phone));
        assertThat(w.ok.status()).as("SUBSCRIBE answer").isEqualTo(200);
        assertThat(TestPhone.tagOf(w.ok.header("to")))
                .as("our tag names the subscription")
                .isNotBlank();
        w.dialog = phone.callerDialog(target, tag, w.ok);
        w.first = w.next(phone);
        return w;
    }

    static String password(TestPhone phone) {
        return phone.user + "-secret";
    }

    static Msg publish(TestPhone phone, String body, String etag, int expires) throws IOException {
        return publishRaw(phone, phone.aor(), "application/pidf+xml", body, etag, expires);
    }

    static Msg publishRaw(TestPhone phone, String target, String type, String body, String etag, int expires)
            throws IOException {
        List<String> headers = new ArrayList<>(List.of("Event: presence", "Expires: " + expires));
        if (etag != null) {
            headers.add("SIP-If-Match: " + etag);
        }
        return phone.authenticated(
                "PUBLISH",
                target,
                callId(),
                TestPhone.newTag(),
                headers,
                type,
                body == null ? "" : body,
                phone.user,
                password(phone));
    }

    /** A PIDF document stating the user's explicit state (and a note). */
    static String state(String token, String note) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
                + "xmlns:sb=\"urn:switchboard:params:xml:ns:presence\" entity=\"sip:someone@example.test\">"
                + "<tuple id=\"t1\"><status><basic>open</basic></status></tuple>"
                + "<dm:person id=\"p1\"><sb:state>" + token + "</sb:state>"
                + (note == null ? "" : "<dm:note>" + note + "</dm:note>") + "</dm:person></presence>";
    }

    /** A plain PIDF document with one tuple whose status is {@code basic} (open or closed), as simple phones publish. */
    static String basic(String basic) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:someone@example.test\">"
                + "<tuple id=\"t1\"><status><basic>" + basic + "</basic></status></tuple></presence>";
    }

    static String customState(int id) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
                + "xmlns:sb=\"urn:switchboard:params:xml:ns:presence\" entity=\"sip:someone@example.test\">"
                + "<tuple id=\"t1\"><status><basic>open</basic></status></tuple>"
                + "<dm:person id=\"p1\"><sb:custom-state>" + id + "</sb:custom-state></dm:person></presence>";
    }

    static String withHeaders(String request, String... headers) {
        int end = request.indexOf("Content-Length:");
        return request.substring(0, end) + String.join("\r\n", headers) + "\r\n" + request.substring(end);
    }

    private static String callId() {
        return UUID.randomUUID() + "@presence-test";
    }
}
