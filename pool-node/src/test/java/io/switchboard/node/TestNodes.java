package io.switchboard.node;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

import io.switchboard.node.config.NodeConfig;
import io.switchboard.storage.testing.TestCassandra;

/** Pool nodes for tests: each on free ports, all on the test run's one Cassandra. */
final class TestNodes {

    static final String SECRET = "test-pool-secret-0123456789";
    static final byte[] SECRET_BYTES = SECRET.getBytes(StandardCharsets.UTF_8);
    static final String TOKEN = "test-admin-token";

    private TestNodes() {
    }

    /** HOCON for a one-node pool on keyspace {@code keyspace}; {@code extra} is appended (overrides). */
    static String config(String nodeId, String keyspace, int clusterPort, String extra) {
        var cassandra = TestCassandra.node().nativeAddress();
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
                }
                """.formatted(nodeId, clusterPort, clusterPort, SECRET, TOKEN, keyspace,
                cassandra.getHostString(), cassandra.getPort(), TestCassandra.node().localDc()) + extra;
    }

    static SwitchboardNode start(String keyspace, String extra) {
        TestCassandra.session(keyspace); // fresh keyspace for the test class
        return SwitchboardNode.start(NodeConfig.fromString(config("node-1", keyspace, freePort(), extra)));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
