package io.switchboard.node.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * Real network cuts between processes that all talk over loopback. Linux gives every loopback connection
 * the source address 127.0.0.1 whatever the destination, so addresses cannot tell the processes apart;
 * their users can: each node process runs under a uid of its own ({@link #asUser}), and nftables rules in a
 * table of this class's own drop, in the output hook on {@code lo}, the TCP packets a uid sends to given
 * ports ({@code meta skuid}). Pekko's Artery TCP sends on outbound connections only, so dropping each side's
 * packets to the other side's remoting port cuts the link both ways; the receiving socket keeps its
 * connection, as in a real partition (nothing is refused, nothing is reset).
 *
 * <p>Needs root, {@code nft} (Debian's nftables) and {@code setpriv}: {@link #requireAvailable} skips the
 * calling test without them on a developer machine and fails it under CI, whose .ci/run installs nftables.
 * {@link #close} deletes the table.
 */
final class LoopbackPartition implements AutoCloseable {

    private final String table;
    private final String nft;
    private boolean created;

    LoopbackPartition(String table) {
        this.table = table;
        this.nft = nft();
    }

    /** Skips (developer machine) or fails (CI) the calling test unless root, nft and setpriv are here. */
    static void requireAvailable() {
        String missing = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            missing = "root (for nftables rules and per-node uids)";
        } else if (nft() == null) {
            missing = "nft (Debian's nftables)";
        } else if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            missing = "setpriv (util-linux)";
        }
        if (missing == null) {
            return;
        }
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            fail("the partition needs " + missing + "; CI must run it (.ci/run installs nftables)");
        }
        Assumptions.abort("the partition needs " + missing);
    }

    /**
     * The command prefix that runs a program under {@code uid} (and a group of the same number, no others).
     * It keeps one capability, reading any file, since the test's class path lies in root's home.
     */
    static List<String> asUser(int uid) {
        return List.of(
                "/usr/bin/setpriv",
                "--reuid=" + uid,
                "--regid=" + uid,
                "--clear-groups",
                "--inh-caps=+dac_read_search",
                "--ambient-caps=+dac_read_search");
    }

    /** Drops the TCP packets that processes of {@code fromUids} send over loopback to {@code toPorts}. */
    void drop(List<Integer> fromUids, List<Integer> toPorts) throws IOException, InterruptedException {
        if (!created) {
            run("add", "table", "inet", table);
            run("flush", "table", "inet", table); // rules a killed test run left behind
            run("add", "chain", "inet", table, "out", "{ type filter hook output priority 0; policy accept; }");
            created = true;
        }
        run(
                "add",
                "rule",
                "inet",
                table,
                "out",
                "oifname",
                "lo",
                "meta",
                "skuid",
                set(fromUids),
                "tcp",
                "dport",
                set(toPorts),
                "drop");
    }

    /** Lifts every cut. */
    void heal() throws IOException, InterruptedException {
        if (created) {
            run("flush", "chain", "inet", table, "out");
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (created) {
            run("delete", "table", "inet", table);
            created = false;
        }
    }

    private static String set(List<Integer> values) {
        return values.size() == 1
                ? String.valueOf(values.get(0))
                : values.stream().map(String::valueOf).collect(Collectors.joining(", ", "{ ", " }"));
    }

    private void run(String... args) throws IOException, InterruptedException {
        io.switchboard.node.Nft.run(nft, args);
    }

    private static String nft() {
        return io.switchboard.node.Nft.find();
    }
}
