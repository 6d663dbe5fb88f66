package io.switchboard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.AdminHttp;
import io.switchboard.node.TestPhone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Presence with the clients as publisher (PUBLISH) and as watcher (SUBSCRIBE), checking the PIDF
 * in the NOTIFYs the watcher receives. baresip 1.0 publishes only open and closed
 * ({@code /presence_online}, {@code /presence_offline}); linphonec 5.1 publishes open while it is
 * registered and has no command for away or busy, so neither client can show those here.
 */
class PresenceInteropTest extends InteropTestBase {

    static final Duration NOTIFY = Duration.ofSeconds(15);

    @Override
    String keyspace() {
        return "interop_presence";
    }

    @Override
    String[] binaries() {
        return new String[] {Baresip.BINARY, Linphonec.BINARY};
    }

    @Test
    void baresip_watches_linphonec_online_then_offline() throws Exception {
        Baresip watcher = stopAfter(
                Baresip.start(testDir("b-watches-l"), "kim", "udp", port("udp"), List.of("sip:lee@example.test")));
        watcher.awaitRegistered(SHORT);
        Linphonec publisher = stopAfter(Linphonec.start(testDir("b-watches-l"), "lee", "udp", port("udp"), List.of()));
        publisher.awaitRegistered(SHORT);
        awaitNotify(watcher, "lee", "open");
        int seen = watcher.process.mark();
        // unregistering withdraws its publication too (PUBLISH with Expires: 0); `quit` would not
        // wait for the answer to that PUBLISH's challenge
        publisher.unregister();
        awaitNotifyAfter(watcher, "lee", "closed", seen);
    }

    @Test
    void linphonec_over_tcp_watches_baresip_online_then_offline() throws Exception {
        Linphonec watcher = stopAfter(Linphonec.start(
                testDir("l-watches-b-tcp"), "mike", "tcp", port("tcp"), List.of("sip:nina@example.test")));
        watcher.awaitRegistered(SHORT);
        Baresip publisher = stopAfter(Baresip.start(testDir("l-watches-b-tcp"), "nina", "udp", port("udp"), List.of()));
        publisher.awaitRegistered(SHORT);
        publisher.presenceOnline();
        awaitNotify(watcher, "nina", "open");
        int seen = watcher.process.mark();
        publisher.presenceOffline();
        awaitNotifyAfter(watcher, "nina", "closed", seen);
    }

    /** linphone on UDP subscribes with its GRUU as Contact: the NOTIFYs must reach it there. */
    @Test
    void linphonec_over_udp_with_gruu_watches_baresip() throws Exception {
        Linphonec watcher = stopAfter(Linphonec.start(
                testDir("l-watches-b-udp"), "oscar", "udp", port("udp"), List.of("sip:paul@example.test")));
        watcher.awaitRegistered(SHORT);
        Baresip publisher = stopAfter(Baresip.start(testDir("l-watches-b-udp"), "paul", "udp", port("udp"), List.of()));
        publisher.awaitRegistered(SHORT);
        publisher.presenceOnline();
        awaitNotify(watcher, "paul", "open");
    }

    /**
     * baresip over TCP registers with RFC 5626 outbound (+sip.instance, reg-id) and PUBLISHes on
     * the same connection without an instance: its publication must count for its user.
     */
    @Test
    void baresip_over_tcp_outbound_publishes_offline_to_a_watcher() throws Exception {
        Linphonec watcher = stopAfter(Linphonec.start(
                testDir("b-tcp-publishes"), "quinn", "tcp", port("tcp"), List.of("sip:rita@example.test")));
        watcher.awaitRegistered(SHORT);
        Baresip publisher = stopAfter(Baresip.start(testDir("b-tcp-publishes"), "rita", "tcp", port("tcp"), List.of()));
        publisher.awaitRegistered(SHORT);
        publisher.presenceOnline();
        awaitNotify(watcher, "rita", "open");
        int seen = watcher.process.mark();
        publisher.presenceOffline();
        awaitNotifyAfter(watcher, "rita", "closed", seen);
    }

    /**
     * Busy and away reach both clients as watchers: neither can publish them, so a plain SIP phone
     * (the node tests' TestPhone) publishes RPID activities (RFC 4480) and the NOTIFY bodies the
     * clients receive must carry them.
     */
    @Test
    void baresip_and_linphonec_watchers_see_busy_and_away() throws Exception {
        Baresip b = stopAfter(
                Baresip.start(testDir("busy-away"), "sara", "udp", port("udp"), List.of("sip:tom@example.test")));
        Linphonec l = stopAfter(
                Linphonec.start(testDir("busy-away"), "heidi", "tcp", port("tcp"), List.of("sip:tom@example.test")));
        b.awaitRegistered(SHORT);
        l.awaitRegistered(SHORT);
        // a user with no registered endpoint is Offline: tom registers, then publishes from the same phone
        TestPhone tom = stopAfter(new TestPhone("udp", port("udp"), "tom", "tom-secret"));
        TestPhone.Msg registered = tom.register();
        assertThat(registered.status()).as(registered.raw()).isEqualTo(200);

        TestPhone.Msg busy = publish(tom, "busy", null);
        assertThat(busy.status()).as(busy.raw()).isEqualTo(200);
        for (SipClient watcher : List.of(b, l)) {
            awaitNotifyWith(watcher, "tom", "<rpid:busy/>", 0);
        }
        // and linphone reads it so (baresip prints a change only, not the state of the first NOTIFY)
        l.process.await("Friend .*<sip:tom@example.test> is Busy", SHORT);
        int bSeen = b.process.mark();
        int lSeen = l.process.mark();
        TestPhone.Msg away = publish(tom, "away", busy.header("SIP-ETag"));
        assertThat(away.status()).as(away.raw()).isEqualTo(200);
        awaitNotifyWith(b, "tom", "<rpid:away/>", bSeen);
        awaitNotifyWith(l, "tom", "<rpid:away/>", lSeen);
        // baresip 1.0 has no Away of its own (it shows Offline); linphone shows Away
        l.process.await("Friend .*<sip:tom@example.test> is Away", SHORT);
    }

    /** A PUBLISH of open with the RPID activity {@code activity} (refreshing {@code etag} if given). */
    private static TestPhone.Msg publish(TestPhone phone, String activity, String etag) throws Exception {
        String pidf = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
                + " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"" + phone.aor() + "\">"
                + "<tuple id=\"t1\"><status><basic>open</basic></status></tuple>"
                + "<dm:person id=\"p1\"><rpid:activities><rpid:" + activity + "/></rpid:activities></dm:person>"
                + "</presence>";
        List<String> headers = new ArrayList<>(List.of("Event: presence", "Expires: 600"));
        if (etag != null) {
            headers.add("SIP-If-Match: " + etag);
        }
        return phone.authenticated(
                "PUBLISH",
                phone.aor(),
                UUID.randomUUID().toString(),
                TestPhone.newTag(),
                headers,
                "application/pidf+xml",
                pidf,
                "tom",
                "tom-secret");
    }

    void awaitNotify(SipClient watcher, String presentity, String basic) {
        awaitNotifyAfter(watcher, presentity, basic, 0);
    }

    /** A NOTIFY for {@code presentity} whose PIDF says {@code basic}, among the lines from {@code from} on. */
    void awaitNotifyAfter(SipClient watcher, String presentity, String basic, int from) {
        awaitNotifyWith(watcher, presentity, "<basic>" + basic + "</basic>", from);
    }

    /**
     * A NOTIFY for {@code presentity} whose body contains {@code text}, among the lines from {@code
     * from} on. On a timeout the failure also says what the node holds for the presentity, so a
     * CI log tells a view that never changed (publication, aggregation) from one that changed but
     * did not reach the watcher (fan-out, NOTIFY).
     */
    void awaitNotifyWith(SipClient watcher, String presentity, String text, int from) {
        try {
            watcher.process.awaitLines(
                    lines -> watcher.parse(lines.subList(Math.min(from, lines.size()), lines.size())).stream()
                            .anyMatch(m -> m.incoming()
                                    && m.isRequest("NOTIFY")
                                    && m.text().contains("sip:" + presentity + "@example.test")
                                    && m.text().contains(text)),
                    NOTIFY,
                    "NOTIFY for " + presentity + " with " + text);
        } catch (AssertionError e) {
            String aor = "sip:" + presentity + "@example.test";
            StringBuilder seen = new StringBuilder();
            seen.append("the node's presence of ").append(presentity).append(": ");
            seen.append(adminView("/api/presence/" + aor)).append('\n');
            seen.append("its registrations: ")
                    .append(adminView("/api/registrations?aor="
                            + java.net.URLEncoder.encode(aor, java.nio.charset.StandardCharsets.UTF_8)))
                    .append('\n');
            // every client's PUBLISHes and their answers: a publication the node never changed
            // (lost entity-tag, a 412, a second initial PUBLISH) shows here
            for (SipClient client : clients()) {
                seen.append(client).append(" PUBLISH:\n").append(client.exchange("PUBLISH"));
            }
            throw new AssertionError(seen + e.getMessage(), e);
        }
    }

    private String adminView(String path) {
        try {
            return AdminHttp.get(node.adminPort(), path).body();
        } catch (Exception unreadable) {
            return "(unreadable: " + unreadable + ")";
        }
    }
}
