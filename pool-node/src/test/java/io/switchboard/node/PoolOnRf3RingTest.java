package io.switchboard.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.CassandraRing;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 3, failure tests, the storage half on the pool's own setup: three pool-node processes over a
 * three-node Cassandra ring at RF 3 and LOCAL_QUORUM. Under a steady REGISTER load through every node (UDP
 * and TCP), one Cassandra node is killed with SIGKILL: REGISTERs keep succeeding (failures only in the
 * moment of the kill, counted and printed), every acknowledged binding is in Cassandra at LOCAL_QUORUM, and
 * after the Cassandra node restarts every pool node still registers.
 */
@Tag("failure")
class PoolOnRf3RingTest {

    static final Path DIR = Path.of("target", "pool-processes", "PoolOnRf3RingTest");
    static final int CASSANDRA_VICTIM = 1;
    static final Duration LOAD_BEFORE_KILL = Duration.ofSeconds(3);
    static final Duration LOAD_AFTER_KILL = Duration.ofSeconds(10);
    /** REGISTERs may fail only this long after the kill. */
    static final Duration TRANSIENT_BOUND = Duration.ofSeconds(10);

    CassandraRing ring;
    PoolProcesses pool;
    CqlSession session;
    final List<SipTestClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (SipTestClient c : clients) {
            c.close();
        }
        if (pool != null) {
            pool.close();
        }
        if (session != null) {
            session.close();
        }
        if (ring != null) {
            ring.close();
        }
    }

    @Test
    void registrations_go_on_and_nothing_acknowledged_is_lost_when_a_cassandra_node_dies() throws Exception {
        PoolProcesses.wipe(DIR);
        long t0 = System.nanoTime();
        ring = CassandraRing.start(DIR.resolve("ring"));
        long ringMillis = millisSince(t0);
        String keyspace = "pool_rf3";
        // The schema is installed once, before the nodes start: three nodes creating the same tables at the
        // same moment on a ring may race (concurrent CREATE TABLE IF NOT EXISTS on different coordinators).
        session = CassandraSessions.connect(ring.settings(keyspace));
        SwitchboardNode.installSchema(session);

        long t1 = System.nanoTime();
        pool = PoolProcesses.start(
                DIR.resolve("pool"),
                3,
                PoolProcesses.Storage.quorum(keyspace, ring.contactPointStrings(), ring.localDc(), ring.replication()));
        long poolMillis = millisSince(t1);

        // One client per user, kept open: users 1..12 over UDP, 13..24 over TCP, round robin over the nodes.
        Map<String, String> acknowledged = new LinkedHashMap<>();
        List<String> users = new ArrayList<>();
        for (int u = 1; u <= PoolProcesses.USERS; u++) {
            int n = (u - 1) % 3 + 1;
            String user = "user" + u;
            SipTestClient c = new SipTestClient(
                    u <= PoolProcesses.USERS / 2 ? "udp" : "tcp",
                    pool.node(n).host(),
                    pool.node(n).sipPort());
            clients.add(c);
            users.add(user);
            SipTestClient.Response ok = RegistrarSipTest.registerWith(
                    c, user, user + "-secret", List.of("Contact: <" + c.contactUri(user) + ">"));
            assertThat(ok.status()).as("first REGISTER of %s", user).isEqualTo(200);
            acknowledged.put("sip:" + user + "@" + PoolProcesses.DOMAIN, c.contactUri(user));
        }
        long rss = ring.totalRssBytes() + pool.rssBytes(1) + pool.rssBytes(2) + pool.rssBytes(3);

        Load load = new Load(users);
        Thread loader = new Thread(load, "register-load");
        loader.start();
        Thread.sleep(LOAD_BEFORE_KILL.toMillis());
        long killedAt = System.nanoTime();
        ring.kill(CASSANDRA_VICTIM);
        Thread.sleep(LOAD_AFTER_KILL.toMillis());
        load.running.set(false);
        loader.join(30_000);

        List<Long> failedAfterKill =
                load.failures.stream().map(t -> t - killedAt).sorted().toList();
        long okAfterKill = load.successes.stream().filter(t -> t > killedAt).count();
        assertThat(okAfterKill)
                .as("REGISTERs acknowledged with Cassandra node %d down", CASSANDRA_VICTIM)
                .isPositive();
        assertThat(failedAfterKill)
                .as("REGISTERs failed before the kill: %s", load.messages)
                .allMatch(d -> d >= 0);
        assertThat(failedAfterKill)
                .as("REGISTERs failed later than %s after the kill: %s", TRANSIENT_BOUND, load.messages)
                .allMatch(d -> d <= TRANSIENT_BOUND.toNanos());
        assertThat(missingInCassandra(acknowledged))
                .as("acknowledged bindings missing at LOCAL_QUORUM")
                .isEmpty();
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            assertThat(pool.adminGet(1, "/api/registrations?aor=" + e.getKey()))
                    .startsWith("200")
                    .contains(e.getValue());
        }

        long restartStart = System.nanoTime();
        ring.restart(CASSANDRA_VICTIM);
        long restartMillis = millisSince(restartStart);
        for (int i = 0; i < 3; i++) {
            SipTestClient c = clients.get(i); // users 1..3: one per node
            SipTestClient.Response ok = RegistrarSipTest.registerWith(
                    c,
                    users.get(i),
                    users.get(i) + "-secret",
                    List.of("Contact: <" + c.contactUri(users.get(i)) + ">"));
            assertThat(ok.status())
                    .as("REGISTER on node %d after Cassandra node %d is back", i + 1, CASSANDRA_VICTIM)
                    .isEqualTo(200);
        }
        assertThat(missingInCassandra(acknowledged))
                .as("acknowledged bindings missing after the restart")
                .isEmpty();

        System.out.printf(
                """
                Pool of 3 over a Cassandra ring of 3 (RF 3, LOCAL_QUORUM): ring up in %d ms, pool ready in %d ms,
                  RSS of 3 Cassandra nodes + 3 pool nodes %d MiB
                  kill -9 of Cassandra node %d under REGISTER load: %d REGISTERs acknowledged (%d after the kill),
                  %d failed %s ms after the kill
                  Cassandra node %d back (whole ring sees it up) in %d ms
                """,
                ringMillis,
                poolMillis,
                rss >> 20,
                CASSANDRA_VICTIM,
                load.successes.size(),
                okAfterKill,
                failedAfterKill.size(),
                failedAfterKill.stream().map(TimeUnit.NANOSECONDS::toMillis).toList(),
                CASSANDRA_VICTIM,
                restartMillis);
        load.messages.stream().distinct().forEach(m -> System.out.println("  failure: " + m));
    }

    /** AORs whose acknowledged contact a LOCAL_QUORUM read of the bindings table does not return. */
    private List<String> missingInCassandra(Map<String, String> acknowledged) {
        PreparedStatement select = session.prepare("SELECT contact FROM bindings WHERE aor = ?");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            List<Row> rows = session.execute(select.bind(e.getKey()).setTimeout(Duration.ofSeconds(10)))
                    .all();
            if (rows.stream().noneMatch(r -> e.getValue().equals(r.getString("contact")))) {
                missing.add(e.getKey());
            }
        }
        return missing;
    }

    /** Refreshes every user's binding in turn, through the node its client talks to, until stopped. */
    private final class Load implements Runnable {
        final List<String> users;
        final AtomicBoolean running = new AtomicBoolean(true);
        final ConcurrentLinkedQueue<Long> successes = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> failures = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> messages = new ConcurrentLinkedQueue<>();
        final AtomicLong round = new AtomicLong();

        Load(List<String> users) {
            this.users = users;
        }

        @Override
        public void run() {
            while (running.get()) {
                int i = (int) (round.getAndIncrement() % users.size());
                SipTestClient c = clients.get(i);
                String user = users.get(i);
                try {
                    SipTestClient.Response r = RegistrarSipTest.registerWith(
                            c, user, user + "-secret", List.of("Contact: <" + c.contactUri(user) + ">"));
                    if (r.status() == 200) {
                        successes.add(System.nanoTime());
                    } else {
                        failures.add(System.nanoTime());
                        messages.add(user + ": " + r.status() + " " + r.reason());
                    }
                } catch (Exception | AssertionError e) {
                    failures.add(System.nanoTime());
                    messages.add(user + ": " + e);
                }
            }
        }
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
}
