package io.switchboard.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pool site and a branch site in two Linux network namespaces joined by a veth pair, the WAN (issue 15, item 9),
 * for BranchWanNamespacesTest. Addresses are in 10.215.0.0/16 only:
 *
 * <pre>
 *   namespace sb15x-pool                       namespace sb15x-branch (the branch's router and node)
 *   10.215.0.1 sb15x-wp  ===== WAN veth =====  sb15x-wb 10.215.0.2
 *   10.215.1.2 sb15x-lpn                        sb15x-lbn 10.215.2.2   (forwards between its LAN and the WAN)
 *        |  pool LAN veth                             |  branch LAN veth
 *   10.215.1.1 sb15x-lp   (this machine's own namespace: the test, its phones)   sb15x-lb 10.215.2.1
 * </pre>
 *
 * <p>The namespaces have no default route: each reaches only what a route below names, so nothing leaks around the
 * WAN through the machine's own network. The pool's and the branch's services (Cassandra, the nodes) listen on their
 * WAN addresses. This JVM reaches them for its checks over the LAN veths (host routes to 10.215.0.1 and 10.215.0.2).
 * The branch LAN's address 10.215.2.1 is the branch's phones: a policy rule sends everything from it through the
 * branch namespace, so a branch phone reaches the pool over the WAN as in an office, and the pool reaches it back
 * the same way (the pool namespace's route to 10.215.2.0/24 is via the branch's WAN address).
 *
 * <p>{@link #cut} drops every packet into, out of and through each namespace's WAN interface (nftables, a table in
 * each namespace): dropped, not refused, as on a cut line; Cassandra's internode traffic and SIP alike. (A link set
 * down takes its route along, so each side's own kernel would refuse at once, "network unreachable", which a cut line
 * does not tell; and tc netem's loss is missing from this machine's kernel.) {@link #close} deletes the namespaces (their interfaces, the veth pairs' other ends and the host
 * routes go with them) and the policy rule; it also removes what an earlier, killed run left behind.
 */
final class WanNamespaces implements AutoCloseable {

    static final String POOL_NS = "sb15x-pool";
    static final String BRANCH_NS = "sb15x-branch";
    static final String POOL_WAN = "10.215.0.1";
    static final String BRANCH_WAN = "10.215.0.2";
    /** This machine's side of the pool's LAN: the pool's own phones. */
    static final String POOL_LAN_HOST = "10.215.1.1";
    /** This machine's side of the branch's LAN: the branch's phones, routed through the branch namespace. */
    static final String BRANCH_LAN_HOST = "10.215.2.1";

    private static final String POOL_LAN_NS = "10.215.1.2";
    private static final String BRANCH_LAN_NS = "10.215.2.2";
    private static final String RULE_TABLE = "215";
    private static final String CUT_TABLE = "sb15x_wan";

    private final String ip;
    private final String nft;

    private WanNamespaces(String ip, String nft) {
        this.ip = ip;
        this.nft = nft;
    }

    /** Why the namespaces cannot be made here (not root, no {@code ip} or {@code nft}), or null when they can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root";
        }
        if (binary("ip") == null) {
            return "no ip (iproute2)";
        }
        if (Nft.find() == null) {
            return "no nft (Debian's nftables) to cut the WAN";
        }
        return null;
    }

    /** Creates both namespaces, the WAN and the two LANs; removes what it made if a step fails. */
    static WanNamespaces create() throws IOException, InterruptedException {
        WanNamespaces n = new WanNamespaces(binary("ip"), Nft.find());
        n.removeLeftovers();
        try {
            n.build();
        } catch (IOException | InterruptedException | RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void build() throws IOException, InterruptedException {
        for (String ns : List.of(POOL_NS, BRANCH_NS)) {
            run(ip, "netns", "add", ns);
            run(ip, "-n", ns, "link", "set", "lo", "up");
        }
        // the WAN
        run(
                ip,
                "link",
                "add",
                "sb15x-wp",
                "netns",
                POOL_NS,
                "type",
                "veth",
                "peer",
                "name",
                "sb15x-wb",
                "netns",
                BRANCH_NS);
        up(POOL_NS, "sb15x-wp", POOL_WAN);
        up(BRANCH_NS, "sb15x-wb", BRANCH_WAN);
        // the LANs, this machine's side first
        run(ip, "link", "add", "sb15x-lp", "type", "veth", "peer", "name", "sb15x-lpn", "netns", POOL_NS);
        run(ip, "addr", "add", POOL_LAN_HOST + "/24", "dev", "sb15x-lp");
        run(ip, "link", "set", "sb15x-lp", "up");
        up(POOL_NS, "sb15x-lpn", POOL_LAN_NS);
        run(ip, "link", "add", "sb15x-lb", "type", "veth", "peer", "name", "sb15x-lbn", "netns", BRANCH_NS);
        run(ip, "addr", "add", BRANCH_LAN_HOST + "/24", "dev", "sb15x-lb");
        run(ip, "link", "set", "sb15x-lb", "up");
        up(BRANCH_NS, "sb15x-lbn", BRANCH_LAN_NS);
        // the branch namespace is its office's router: its LAN to the WAN and back
        run(ip, "netns", "exec", BRANCH_NS, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        run(ip, "-n", POOL_NS, "route", "add", "10.215.2.0/24", "via", BRANCH_WAN);
        // this JVM's checks reach each site's services over its LAN
        run(ip, "route", "add", POOL_WAN + "/32", "via", POOL_LAN_NS);
        run(ip, "route", "add", BRANCH_WAN + "/32", "via", BRANCH_LAN_NS);
        // the branch's phones reach everything through the branch's router (the pool over the WAN)
        run(ip, "route", "add", "10.215.0.0/16", "via", BRANCH_LAN_NS, "table", RULE_TABLE);
        run(ip, "rule", "add", "from", BRANCH_LAN_HOST, "lookup", RULE_TABLE, "priority", RULE_TABLE);
    }

    private void up(String ns, String device, String address) throws IOException, InterruptedException {
        run(ip, "-n", ns, "addr", "add", address + "/24", "dev", device);
        run(ip, "-n", ns, "link", "set", device, "up");
    }

    /** {@code ip netns exec NS}: the words before a command that runs it in namespace {@code ns}. */
    List<String> exec(String ns) {
        return List.of(ip, "netns", "exec", ns);
    }

    /** Cuts the WAN: each namespace drops every packet in, out or through its WAN interface. */
    void cut() throws IOException, InterruptedException {
        cutIn(POOL_NS, "sb15x-wp");
        cutIn(BRANCH_NS, "sb15x-wb");
    }

    private void cutIn(String ns, String wan) throws IOException, InterruptedException {
        List<String> nftIn = new ArrayList<>(exec(ns));
        nftIn.add(nft);
        nftIn.add("-f");
        nftIn.add("-");
        String rules = """
                table inet %1$s {
                  chain in { type filter hook input priority -10; policy accept; iifname "%2$s" drop; }
                  chain through { type filter hook forward priority -10; policy accept; iifname "%2$s" drop; oifname "%2$s" drop; }
                  chain out { type filter hook output priority -10; policy accept; oifname "%2$s" drop; }
                }
                """.formatted(CUT_TABLE, wan);
        Process p = new ProcessBuilder(nftIn).redirectErrorStream(true).start();
        p.getOutputStream().write(rules.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("nft in " + ns + " failed: " + out);
        }
    }

    /** Restores the WAN (TCP retransmits what was dropped). */
    void heal() throws IOException, InterruptedException {
        for (String ns : List.of(POOL_NS, BRANCH_NS)) {
            List<String> command = new ArrayList<>(exec(ns));
            command.addAll(List.of(nft, "delete", "table", "inet", CUT_TABLE));
            run(command.toArray(String[]::new));
        }
    }

    /** Deletes the namespaces and the policy rule. Run it after every process in them has ended. */
    @Override
    public void close() throws IOException, InterruptedException {
        removeLeftovers();
    }

    private void removeLeftovers() throws IOException, InterruptedException {
        // quiet: each may be gone already
        runQuietly(ip, "rule", "del", "from", BRANCH_LAN_HOST, "lookup", RULE_TABLE);
        runQuietly(ip, "route", "flush", "table", RULE_TABLE);
        for (String ns : List.of(POOL_NS, BRANCH_NS)) {
            runQuietly(ip, "netns", "del", ns);
        }
        // a LAN veth whose namespace end was already gone keeps this machine's end; deleting it takes its routes
        runQuietly(ip, "link", "del", "sb15x-lp");
        runQuietly(ip, "link", "del", "sb15x-lb");
    }

    private static String binary(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        return null;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static void runQuietly(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
    }
}
