package io.switchboard.node.site;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A WAN outage between the two data centers of a test Cassandra cluster ({@link TwoSiteRing}): nftables rules, in
 * a table of this class's own ({@value #TABLE}), drop every TCP packet to or from the ring's storage (internode)
 * port on its nodes' loopback addresses, so the nodes stop hearing each other (gossip and writes alike) while clients still reach
 * their own DC's node on its native port. Packets are dropped, not refused, as on a cut line: nothing tells
 * either side, the failure detector has to notice. The port is the ring's own (chosen free at its start), so no
 * other process's traffic is touched.
 *
 * <p>Needs root and {@code nft} (Debian's nftables): {@link #requireAvailable} skips the caller without them on a
 * developer machine and fails it under CI, whose .ci/run installs nftables. {@link #close} deletes the table.
 */
public final class WanCut implements AutoCloseable {

    static final String TABLE = "sb15_wan";

    private final int storagePort;
    private final List<String> nodes;
    private final String nft;
    private boolean created;

    /**
     * @param storagePort the ring's storage port
     * @param nodes       the ring's nodes' listen addresses: only packets to or from that port on those addresses
     *                    are dropped (another Cassandra on the machine may use the same port number elsewhere)
     */
    public WanCut(int storagePort, List<String> nodes) {
        this.storagePort = storagePort;
        this.nodes = List.copyOf(nodes);
        this.nft = nft();
    }

    /** Skips (developer machine) or fails (CI) the calling test unless root and nft are here. */
    public static void requireAvailable() {
        String missing = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            missing = "root (for nftables rules)";
        } else if (nft() == null) {
            missing = "nft (Debian's nftables)";
        }
        if (missing == null) {
            return;
        }
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            fail("the WAN cut needs " + missing + "; CI must run it (.ci/run installs nftables)");
        }
        Assumptions.abort("the WAN cut needs " + missing);
    }

    /** Cuts the ring between its data centers. */
    public void cut() throws IOException, InterruptedException {
        if (!created) {
            run("add", "table", "inet", TABLE);
            run("flush", "table", "inet", TABLE); // rules a killed test run left behind
            run("add", "chain", "inet", TABLE, "out", "{ type filter hook output priority 0; policy accept; }");
            created = true;
        }
        String port = Integer.toString(storagePort);
        String addresses = "{ " + String.join(", ", nodes) + " }";
        // to a node's storage port, and its answers on connections others opened to it
        run(
                "add", "rule", "inet", TABLE, "out", "oifname", "lo", "ip", "daddr", addresses, "tcp", "dport", port,
                "drop");
        run(
                "add", "rule", "inet", TABLE, "out", "oifname", "lo", "ip", "saddr", addresses, "tcp", "sport", port,
                "drop");
    }

    /** Lifts the cut: packets pass again (TCP retransmits what was dropped). */
    public void heal() throws IOException, InterruptedException {
        if (created) {
            run("flush", "chain", "inet", TABLE, "out");
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (created) {
            run("delete", "table", "inet", TABLE);
            created = false;
        }
    }

    private void run(String... args) throws IOException, InterruptedException {
        io.switchboard.node.Nft.run(nft, args);
    }

    private static String nft() {
        return io.switchboard.node.Nft.find();
    }
}
