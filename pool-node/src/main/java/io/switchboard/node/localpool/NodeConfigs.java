package io.switchboard.node.localpool;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The config file of local-pool node n: the operator's file (domains, users, secret, token, registrar
 * and auth settings) included whole, then this node's identity, addresses, seeds and the shared
 * Cassandra on top. Without an operator file, the quick start's demo domain and users.
 */
final class NodeConfigs {

    /** The quick start's demo (conf/switchboard.conf), for when no config file is given. */
    static final String DEMO = """
            switchboard {
              domains = ["example.test"]
              # SIPp and many older phones read only the first challenge and compute only MD5;
              # linphone does SHA-256 (conf/switchboard.conf says why)
              auth.algorithms = ["MD5", "SHA-256"]
              auth.user-agent-algorithms = [
                { user-agent = "Linphone", algorithms = ["SHA-256", "MD5"] }
                { user-agent = "baresip v0.", algorithms = ["MD5"] }
                { user-agent = "baresip v1.", algorithms = ["MD5"] }
                { user-agent = "sipsak", algorithms = ["MD5"] }
              ]
              bootstrap-users = [
                { uri = "sip:alice@example.test", password = "alice-secret", name = "Alice Example", phone = "+31201234501" }
                { uri = "sip:bob@example.test",   password = "bob-secret",   name = "Bob Example",   phone = "+31201234502" }
                { uri = "sip:carol@example.test", password = "carol-secret", name = "Carol Example", phone = "+31201234503" }
              ]
            }
            """;

    private NodeConfigs() {}

    static String forNode(int n, LocalPool.Options options, InetSocketAddress cassandra, String localDc) {
        List<String> seeds = new ArrayList<>();
        for (int s = 1; s <= Math.min(2, options.nodes()); s++) {
            seeds.add(quote(LocalPool.address(s) + ":" + options.clusterPort()));
        }
        String head = options.config() == null
                ? DEMO
                : "include file("
                        + quote(options.config().toAbsolutePath().normalize().toString()) + ")\n";
        return "# Written by bin/switchboard local-pool for node " + n + " of " + options.nodes()
                + "; rewritten at every start.\n" + head
                + """
                switchboard {
                  node { id = "node-%d", data-dir = %s }
                  cluster { host = "%s", port = %d, seed-nodes = [%s] }
                  sip { bind-address = "%s", udp-port = %d, tcp-port = %d }
                  admin { bind-address = "%s", port = %d }
                  storage {
                    mode = external
                    external { contact-points = [%s], local-dc = %s }
                  }
                }
                """.formatted(
                                n,
                                quote(options.dataDir().resolve("node-" + n).toString()),
                                LocalPool.address(n),
                                options.clusterPort(),
                                String.join(", ", seeds),
                                LocalPool.address(n),
                                options.sipPort(),
                                options.sipPort(),
                                LocalPool.address(n),
                                options.baseAdminPort() + n - 1,
                                quote(cassandra.getHostString() + ":" + cassandra.getPort()),
                                quote(localDc));
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
