package io.switchboard.node.cli;

import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code switchboard dns records}: the DNS records an operator publishes so that clients find the
 * pool (RFC 3263 section 4: SRV per transport; the {@code _sipinternaltls._tcp} name Skype for
 * Business clients look up), printed as a zone-file fragment from the node's config and the flags.
 * Works offline: it reads the config file only, and talks to no node. README, "DNS".
 */
@Command(name = "dns", description = "DNS records for the pool.", subcommands = DnsCommands.Records.class)
final class DnsCommands extends AdminCli.Group {

    /** The SRV priority of the pool; a branch site's own users' view lists their branch node first, at 0. */
    static final int POOL_PRIORITY = 10;

    static final int BRANCH_PRIORITY = 0;

    @Command(
            name = "records",
            description = {
                "Print a zone fragment: SRV records for _sip._udp, _sip._tcp, _sips._tcp and",
                "_sipinternaltls._tcp of each SIP domain, pointing at the pool's FQDN (priority 10), and",
                "an A/AAAA record per node address. With --branch, also a fragment per branch site for",
                "its users' DNS view: the branch node first (priority 0), the pool after it (10)."
            })
    static final class Records extends AdminCli.Base {

        @Option(
                names = "--config",
                paramLabel = "FILE",
                description = "The node config (default conf/switchboard.conf).")
        Path config;

        @Option(
                names = "--domain",
                paramLabel = "DOMAIN",
                description = "A SIP domain users have (repeat for more); default: the config's switchboard.domains.")
        List<String> domains = new ArrayList<>();

        @Option(
                names = "--pool-fqdn",
                paramLabel = "FQDN",
                description =
                        "The pool's DNS name, the SRV target; default: the config's switchboard.sip.pool-fqdn, else"
                                + " pool.<first domain>.")
        String poolFqdn;

        @Option(
                names = "--address",
                paramLabel = "ADDRESS",
                description =
                        "A node's IP address (repeat per node); default: the config's switchboard.sip.bind-address.")
        List<String> addresses = new ArrayList<>();

        @Option(names = "--udp-port", paramLabel = "PORT", description = "Default: switchboard.sip.udp-port.")
        Integer udpPort;

        @Option(names = "--tcp-port", paramLabel = "PORT", description = "Default: switchboard.sip.tcp-port.")
        Integer tcpPort;

        @Option(
                names = "--tls-port",
                paramLabel = "PORT",
                description = "Default: switchboard.sip.tls.port when TLS is configured; without TLS no _sips records.")
        Integer tlsPort;

        @Option(names = "--ttl", paramLabel = "SECONDS", description = "Time to live of the records (default 3600).")
        int ttl = 3600;

        @Option(
                names = "--branch",
                paramLabel = "SITE,FQDN,ADDRESS",
                description = "A branch site, its node's DNS name and IP address (repeat per site).")
        List<String> branches = new ArrayList<>();

        /** A branch site as given. */
        record Branch(String site, String fqdn, String address) {}

        @Override
        int execute() {
            NodeConfig c;
            java.util.Optional<String> configuredPool;
            try {
                Path file = config != null ? config : Path.of("conf/switchboard.conf");
                c = NodeConfig.load(config != null || Files.isRegularFile(file) ? file : null);
                configuredPool = io.switchboard.node.config.PoolFqdnConfig.of(c).poolFqdn();
            } catch (ConfigError | IllegalArgumentException e) {
                err().println(e.getMessage());
                return AdminCli.USAGE_ERROR;
            }
            try {
                List<String> ds = domains.isEmpty() ? c.domains() : domains;
                if (ds.isEmpty()) {
                    throw new IllegalArgumentException(
                            "dns records needs --domain (the config has no switchboard.domains)");
                }
                String pool =
                        name(poolFqdn != null ? poolFqdn : configuredPool.orElse("pool." + ds.get(0)), "--pool-fqdn");
                List<String> nodes = addresses.isEmpty() ? List.of(c.sip().bindAddress()) : addresses;
                for (String a : nodes) {
                    address(a, "--address");
                }
                int udp = port(udpPort != null ? udpPort : c.sip().udpPort(), "--udp-port");
                int tcp = port(tcpPort != null ? tcpPort : c.sip().tcpPort(), "--tcp-port");
                Integer tls = tlsPort != null
                        ? Integer.valueOf(port(tlsPort, "--tls-port"))
                        : c.sip().tls().map(t -> t.port()).orElse(null);
                if (ttl < 0) {
                    throw new IllegalArgumentException("--ttl must not be negative");
                }
                List<Branch> sites = new ArrayList<>();
                for (String b : branches) {
                    String[] parts = b.split(",", -1);
                    if (parts.length != 3 || parts[0].isBlank()) {
                        throw new IllegalArgumentException("--branch takes SITE,FQDN,ADDRESS, was \"" + b + "\"");
                    }
                    sites.add(new Branch(
                            parts[0].trim(), name(parts[1].trim(), "--branch"), address(parts[2].trim(), "--branch")));
                }
                out().print(zone(ds, pool, nodes, udp, tcp, tls, ttl, sites));
                return 0;
            } catch (IllegalArgumentException e) {
                err().println(e.getMessage());
                return AdminCli.USAGE_ERROR;
            }
        }

        private static int port(int p, String option) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException(option + " must be a port 1-65535 (a node listening on port 0 "
                        + "picks one at random: give the port), was " + p);
            }
            return p;
        }

        private static String name(String fqdn, String option) {
            String n = fqdn.toLowerCase(Locale.ROOT);
            if (n.endsWith(".")) {
                n = n.substring(0, n.length() - 1);
            }
            if (!n.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
                throw new IllegalArgumentException(
                        option + " must be a DNS name such as pool.example.com, was \"" + fqdn + "\"");
            }
            return n;
        }

        private static String address(String a, String option) {
            if (!(a.matches("\\d{1,3}(\\.\\d{1,3}){3}") || a.matches("[0-9A-Fa-f:]+") && a.contains(":"))) {
                throw new IllegalArgumentException(option + " needs an IPv4 or IPv6 address, was \"" + a + "\"");
            }
            return a;
        }
    }

    /** The zone fragment; pure, for the tests. */
    static String zone(
            List<String> domains,
            String pool,
            List<String> nodes,
            int udp,
            int tcp,
            Integer tls,
            int ttl,
            List<Records.Branch> branches) {
        StringBuilder z = new StringBuilder();
        z.append("; Switchboard pool ").append(pool).append(": DNS records (bin/switchboard dns records)\n");
        z.append("$TTL ").append(ttl).append('\n');
        if (tls == null) {
            z.append("; no TLS port configured (switchboard.sip.tls): no _sips._tcp or _sipinternaltls._tcp records\n");
        }
        for (String d : domains) {
            z.append("\n; SIP domain ").append(d).append('\n');
            srv(z, d, udp, tcp, tls, List.of(new SrvTarget(POOL_PRIORITY, pool)));
        }
        z.append("\n; the pool's nodes (clients try them in turn; RFC 3263 section 4.2)\n");
        a(z, pool, nodes);
        for (Records.Branch b : branches) {
            z.append("\n; branch site ")
                    .append(b.site())
                    .append(": publish in the DNS view of the site's own users only (split-horizon), instead of\n")
                    .append("; the records above: the branch node first, the pool when it is down.\n");
            for (String d : domains) {
                srv(
                        z,
                        d,
                        udp,
                        tcp,
                        tls,
                        List.of(new SrvTarget(BRANCH_PRIORITY, b.fqdn()), new SrvTarget(POOL_PRIORITY, pool)));
            }
            a(z, b.fqdn(), List.of(b.address()));
        }
        return z.toString();
    }

    private record SrvTarget(int priority, String host) {}

    private static void srv(StringBuilder z, String domain, int udp, int tcp, Integer tls, List<SrvTarget> targets) {
        List<String[]> services = new ArrayList<>();
        services.add(new String[] {"_sip._udp", String.valueOf(udp)});
        services.add(new String[] {"_sip._tcp", String.valueOf(tcp)});
        if (tls != null) {
            services.add(new String[] {"_sips._tcp", String.valueOf(tls)});
            // Skype for Business / Lync clients look up this name for their pool (TLS over TCP)
            services.add(new String[] {"_sipinternaltls._tcp", String.valueOf(tls)});
        }
        for (String[] s : services) {
            for (SrvTarget t : targets) {
                z.append(String.format(
                        Locale.ROOT,
                        "%-40s IN SRV %d 0 %s %s.%n",
                        s[0] + "." + domain + ".",
                        t.priority(),
                        s[1],
                        t.host()));
            }
        }
    }

    private static void a(StringBuilder z, String name, List<String> addresses) {
        Set<String> seen = new LinkedHashSet<>(addresses);
        for (String address : seen) {
            z.append(String.format(
                    Locale.ROOT, "%-40s IN %s %s%n", name + ".", address.contains(":") ? "AAAA" : "A", address));
        }
    }
}
