package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.node.PresenceSipTest.Watch;
import io.switchboard.node.TestPhone.Msg;
import io.switchboard.storage.testing.TestCassandra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, presence through the loss of a node: three pool-node processes; nine presentities,
 * each watched by a phone that subscribed through one of the three nodes (UDP watchers, and TCP
 * watchers connected to a surviving node); then {@code kill -9} of node 2, which owned some of the
 * presentity and watcher entities (shards spread over the three nodes).
 *
 * <p>What must hold (the issue's "done when"): every watcher keeps receiving NOTIFYs in the same
 * dialog, with a CSeq above every one it saw before, without subscribing again; every publication
 * survives (the new owner of each presentity still knows it); and how long after the kill each
 * watcher saw the new state is printed. And an entity with a deadline is woken on a survivor
 * without any message for it (the due-time index of entity-kit): short subscriptions to
 * presentities that never change still end with their final NOTIFY when they expire.
 */
@Tag("failure")
class PresenceFailoverTest {

    static final Path DIR = Path.of("target", "pool-processes", "PresenceFailoverTest");
    static final int VICTIM = 2;

    PoolProcesses pool;
    final List<TestPhone> phones = new ArrayList<>();

    @AfterEach
    void stop() {
        phones.forEach(TestPhone::close);
        if (pool != null) {
            pool.close();
        }
    }

    private TestPhone phone(String transport, int node, String user) throws Exception {
        PoolProcesses.NodeAddresses a = pool.node(node);
        TestPhone p = new TestPhone(transport, a.host(), a.sipPort(), user, user + "-secret");
        phones.add(p);
        return p;
    }

    @Test
    void watchers_keep_receiving_notifies_with_rising_cseq_after_the_owner_node_dies() throws Exception {
        PoolProcesses.wipe(DIR);
        String keyspace = "presence_failover";
        TestCassandra.session(keyspace);
        pool = PoolProcesses.start(DIR, 3, PoolProcesses.Storage.shared(keyspace));

        // Short subscriptions to presentities that never change (unregistered users, always Offline):
        // no message will reach their watchers' entities, so those that lived on the victim end only
        // because the due sweeper wakes them on a survivor before the dialog expires.
        long quietSubscribed = System.nanoTime();
        List<TestPhone> quietWatchers = new ArrayList<>();
        List<Watch> quietWatches = new ArrayList<>();
        for (int i = 20; i <= 24; i++) {
            TestPhone w = phone("udp", i % 2 == 0 ? 1 : 3, "user" + i);
            quietWatchers.add(w);
            String presentity = "sip:user" + (i == 24 ? 20 : i + 1) + "@" + PoolProcesses.DOMAIN;
            quietWatches.add(PresenceSipTest.subscribe(w, presentity, List.of("Expires: " + QUIET_EXPIRES)));
        }

        int n = 9;
        List<TestPhone> presentities = new ArrayList<>();
        List<TestPhone> watchers = new ArrayList<>();
        List<Watch> watches = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            // presentities publish through the nodes that survive; watchers subscribe through all three
            TestPhone p = phone("udp", i % 2 == 0 ? 1 : 3, "user" + i);
            assertThat(p.register().status()).isEqualTo(200);
            presentities.add(p);
            int watcherNode = i % 3 + 1;
            // TCP watchers only on surviving nodes: a connection to the dead node dies with it
            String transport = watcherNode != VICTIM && i % 2 == 1 ? "tcp" : "udp";
            TestPhone w = phone(transport, watcherNode, "user" + (i + 10));
            watchers.add(w);
            watches.add(PresenceSipTest.subscribe(w, p.aor(), List.of("Expires: 3600")));
        }
        List<String> etags = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Msg ok = PresenceSipTest.publish(presentities.get(i), PresenceSipTest.state("busy", "before"), null, 3600);
            assertThat(ok.status()).isEqualTo(200);
            etags.add(ok.header("sip-etag"));
        }
        for (int i = 0; i < n; i++) {
            assertThat(awaitState(watchers.get(i), watches.get(i), "6500"))
                    .as("busy reaches watcher %d", i)
                    .isNotNull();
        }

        long kill = System.nanoTime();
        pool.killHard(VICTIM);

        for (int i = 0; i < n; i++) {
            // a modify of the publication made before the kill: 412 would mean the new owner forgot it
            Msg ok = publishUntilAccepted(
                    presentities.get(i), PresenceSipTest.state("away", "after"), etags.get(i), Duration.ofSeconds(60));
            assertThat(ok.status())
                    .as("PUBLISH (SIP-If-Match) of user%d after the kill", i + 1)
                    .isEqualTo(200);
        }
        long published = System.nanoTime();
        long worst = 0;
        for (int i = 0; i < n; i++) {
            Watch w = watches.get(i);
            long before = w.lastSeq;
            Msg away = awaitState(watchers.get(i), w, "15500");
            assertThat(away)
                    .as("watcher %d sees the new state without subscribing again", i)
                    .isNotNull();
            assertThat(TestPhone.seqOf(away))
                    .as("CSeq keeps rising in dialog %s", w.dialog.callId)
                    .isGreaterThan(before);
            assertThat(TestPhone.tagOf(away.header("to"))).as("same dialog").isEqualTo(w.dialog.localTag);
            assertThat(TestPhone.tagOf(away.header("from"))).as("same dialog").isEqualTo(w.dialog.remoteTag);
            assertThat(away.header("subscription-state")).startsWith("active");
            worst = Math.max(worst, System.nanoTime() - kill);
        }
        System.out.printf(
                "presence failover: every PUBLISH accepted %d ms after the kill; all %d watchers had the new"
                        + " state %d ms after the kill%n",
                (published - kill) / 1_000_000, n, worst / 1_000_000);

        for (int i = 0; i < quietWatches.size(); i++) {
            Msg end = awaitTermination(quietWatchers.get(i), quietWatches.get(i), quietSubscribed);
            assertThat(end)
                    .as("quiet watcher user%d gets the final NOTIFY of its expired subscription", i + 20)
                    .isNotNull();
            assertThat(end.header("subscription-state"))
                    .startsWith("terminated")
                    .contains("reason=timeout");
        }
        System.out.printf(
                "presence failover: %d quiet subscriptions (%d s) ended with a final NOTIFY %d ms after they were"
                        + " made%n",
                quietWatches.size(), QUIET_EXPIRES, (System.nanoTime() - quietSubscribed) / 1_000_000);
    }

    /**
     * Long enough that the victim is downed and its shards have moved before the sweeper's wake-up
     * (due 30 s before expiry, WatcherBehavior.EXPIRY_WAKE_LEAD) must be delivered.
     */
    static final int QUIET_EXPIRES = 90;

    /** The NOTIFY that ends {@code w}'s subscription, waiting until well after it expired. */
    private static Msg awaitTermination(TestPhone phone, Watch w, long subscribedAt) throws Exception {
        long deadline = subscribedAt + Duration.ofSeconds(QUIET_EXPIRES + 40).toNanos();
        while (System.nanoTime() < deadline) {
            Msg m;
            try {
                m = w.next(phone);
            } catch (java.io.IOException e) {
                continue;
            }
            String state = m.header("subscription-state");
            if (state != null && state.startsWith("terminated")) {
                return m;
            }
        }
        return null;
    }

    /** The first NOTIFY of {@code w} whose body shows availability {@code number} (answering all of them). */
    private static Msg awaitState(TestPhone phone, Watch w, String number) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Msg m;
            try {
                m = w.next(phone);
            } catch (java.io.IOException e) {
                continue; // nothing within the phone's wait: the entity may still be moving
            }
            if (m.body().contains("<sb:availability>" + number + "<")) {
                return m;
            }
        }
        return null;
    }

    /**
     * PUBLISH as a client does after 503 or no answer: again, until accepted. While the cluster
     * moves the entities of the dead node (failure detection, then downing: about 10-20 s) a
     * presentity's PUBLISH cannot be accepted; nothing already accepted is lost meanwhile.
     */
    private static Msg publishUntilAccepted(TestPhone phone, String body, String etag, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Msg last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = PresenceSipTest.publish(phone, body, etag, 3600);
                if (last.status() != 503) {
                    return last;
                }
            } catch (java.io.IOException e) {
                // no answer in time: try again
            }
            Thread.sleep(500);
        }
        return last;
    }
}
