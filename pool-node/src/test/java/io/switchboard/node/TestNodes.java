package io.switchboard.node;

import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.testing.TestCassandra;
import io.switchboard.storage.testing.TestPorts;
import java.nio.charset.StandardCharsets;

/** Pool nodes for tests: each on free ports, all on the test run's one Cassandra. */
public final class TestNodes {

    public static final String SECRET = "test-pool-secret-0123456789";
    public static final byte[] SECRET_BYTES = SECRET.getBytes(StandardCharsets.UTF_8);
    public static final String TOKEN = "test-admin-token";

    private TestNodes() {}

    /** HOCON for a one-node pool on keyspace {@code keyspace}; {@code extra} is appended (overrides). */
    public static String config(String nodeId, String keyspace, int clusterPort, String extra) {
        var cassandra = TestCassandra.contactPoint();
        return """
                switchboard {
                  node.id = "%s"
                  cluster { host = "127.0.0.1", port = %d, seed-nodes = ["127.0.0.1:%d"] }
                  sip { bind-address = "127.0.0.1", udp-port = 0, tcp-port = 0, secret = "%s" }
                  admin { port = 0, token = "%s" }
                  domains = ["example.test", "other.test"]
                  storage {
                    mode = external
                    keyspace = "%s"
                    external { contact-points = ["%s:%d"], local-dc = "%s" }
                  }
                  bootstrap-users = [
                    { uri = "sip:alice@example.test", password = "alice-secret", name = "Alice" }
                    { uri = "sip:bob@example.test", password = "bob-secret", name = "Bob" }
                  ]
                  # the SIP warm-up compiles the stack for a node's first thousands of users; tests
                  # start dozens of nodes and send a few requests each (WarmUpNodeTest sets its own)
                  availability.warm-up.sip-requests = 1000
                  # in-process nodes share the test JVM's heap with each other and the harness: its
                  # fill after collections says nothing about one node (forked nodes keep the limits;
                  # EarlyRefusalTest and LiveHeapTest cover them)
                  availability.admission { heap-percent = 0, heap-percent-credentials = 0 }
                }
                """.formatted(
                                nodeId,
                                clusterPort,
                                clusterPort,
                                SECRET,
                                TOKEN,
                                keyspace,
                                cassandra.getHostString(),
                                cassandra.getPort(),
                                TestCassandra.localDc())
                + extra;
    }

    /** A one-node pool, returned once it is ready (its warm-up done: {@link #awaitReady}). */
    public static SwitchboardNode start(String keyspace, String extra) {
        TestCassandra.session(keyspace); // fresh keyspace for the test class
        return awaitReady(SwitchboardNode.start(NodeConfig.fromString(config("node-1", keyspace, freePort(), extra))));
    }

    /**
     * Waits until {@code node} is ready, the one definition that {@code /health/ready} answers too
     * (SwitchboardNode.ready, Readiness): before, its SIP edge answers 503. Closes it and fails after 60 s.
     */
    public static SwitchboardNode awaitReady(SwitchboardNode node) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (!node.ready()) {
            if (System.nanoTime() > deadline) {
                node.close();
                throw new AssertionError("node not ready within 60 s");
            }
            try {
                Thread.sleep(50); // polling readiness, with the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
        return node;
    }

    /** A port free for TCP and UDP on every address, from outside the kernel's ephemeral range ({@link TestPorts}). */
    public static int freePort() {
        return TestPorts.any();
    }

    /**
     * Two nodes of one pool in this JVM (one Cassandra keyspace), node 2 seeded by node 1; returns
     * once both see two Up members (fails after 30 s).
     */
    public static SwitchboardNode[] startPair(String keyspace, String extra) {
        TestCassandra.session(keyspace);
        int p1 = freePort();
        int p2 = freePort();
        SwitchboardNode node1 = SwitchboardNode.start(NodeConfig.fromString(config("node-1", keyspace, p1, extra)));
        SwitchboardNode node2 = SwitchboardNode.start(NodeConfig.fromString(config(
                "node-2", keyspace, p2, extra + "\nswitchboard.cluster.seed-nodes = [\"127.0.0.1:" + p1 + "\"]\n")));
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (upMembers(node1) < 2 || upMembers(node2) < 2) {
            if (System.nanoTime() > deadline) {
                node2.close();
                node1.close();
                throw new AssertionError("two Up members within 30 s");
            }
            try {
                Thread.sleep(100); // polling the membership, with the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
        awaitReady(node1);
        awaitReady(node2);
        return new SwitchboardNode[] {node1, node2};
    }

    private static int upMembers(SwitchboardNode n) {
        int up = 0;
        for (var m :
                org.apache.pekko.cluster.typed.Cluster.get(n.system()).state().getMembers()) {
            if (m.status() == org.apache.pekko.cluster.MemberStatus.up()) {
                up++;
            }
        }
        return up;
    }
}
