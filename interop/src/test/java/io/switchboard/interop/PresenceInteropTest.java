package io.switchboard.interop;

import java.time.Duration;
import java.util.List;
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

    static void awaitNotify(SipClient watcher, String presentity, String basic) {
        awaitNotifyAfter(watcher, presentity, basic, 0);
    }

    /** A NOTIFY for {@code presentity} whose PIDF says {@code basic}, among the lines from {@code from} on. */
    static void awaitNotifyAfter(SipClient watcher, String presentity, String basic, int from) {
        watcher.process.awaitLines(
                lines -> watcher.parse(lines.subList(Math.min(from, lines.size()), lines.size())).stream()
                        .anyMatch(m -> m.incoming()
                                && m.isRequest("NOTIFY")
                                && m.text().contains("sip:" + presentity + "@example.test")
                                && m.text().contains("<basic>" + basic + "</basic>")),
                NOTIFY,
                "NOTIFY for " + presentity + " with <basic>" + basic + "</basic>");
    }
}
