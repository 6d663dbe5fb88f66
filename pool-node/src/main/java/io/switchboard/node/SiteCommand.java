package io.switchboard.node;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.CassandraAccountStore;
import io.switchboard.node.config.ConfigError;
import io.switchboard.node.config.NodeConfig;
import io.switchboard.node.config.RoleConfig;
import io.switchboard.node.config.SitesConfig;
import io.switchboard.node.site.SiteKeyspaces;
import io.switchboard.node.site.SiteStores;
import io.switchboard.storage.CassandraSettings;
import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code bin/switchboard site add NAME [--config FILE]}: the storage half of adding a branch site to a running pool
 * (README, "Sites and branches", "Adding a branch site to a running pool"), run with a pool node's configuration
 * that already lists the branch in {@code switchboard.sites.branches}, once the branch's Cassandra node has joined
 * the pool's cluster in the branch's data center.
 *
 * <ol>
 *   <li>Refuses (exit 1) while the branch's data center has no Cassandra node: Cassandra refuses a keyspace naming a
 *       DC it does not know, and a keyspace created without the branch's DC would have to be rebuilt there later.
 *   <li>Creates the site keyspace with NetworkTopologyStrategy {@code {<pool DC>: pool-replicas, <branch DC>: 1}}
 *       and the site schema ({@link SiteKeyspaces#open}); a site keyspace that exists with another replication
 *       (an earlier attempt, another {@code pool-replicas}) is altered to it, and the command says to run {@code
 *       nodetool rebuild} on the branch's node, which streams what was written before into its new replica.
 *   <li>Copies the account of every user already homed at the site from the pool's directory into the site
 *       keyspace (users homed there while the site had no keyspace: the pool kept them in its own), so the branch
 *       node can authenticate them; idempotent, a copy is the same row again.
 *   <li>Prints what is left, in order: the rebuild where one is needed, {@code system_auth}'s replication when
 *       Cassandra authentication is on, the rolling restart of the pool's nodes, the branch node.
 * </ol>
 *
 * <p>A new site keyspace needs no rebuild: it is created with the branch's DC in its replication, so every write
 * from then on goes to both DCs, and what existed before (the accounts) is copied by this command.
 */
final class SiteCommand {

    static final String USAGE = "usage: site add NAME [--config FILE]";

    /** Accounts read per page of the directory. */
    private static final int PAGE = 500;

    private SiteCommand() {}

    /** Exit status: 0 ready, 1 failed (or the branch's DC has not joined yet), 2 bad usage or configuration. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || !args[0].equals("add")) {
            err.println(USAGE);
            return 2;
        }
        String name = args[1];
        NodeConfig config = CommandConfig.load(args, 2, "site add", USAGE, err);
        if (config == null) {
            return 2;
        }
        return add(config, name, out, err);
    }

    static int add(NodeConfig config, String name, PrintStream out, PrintStream err) {
        SitesConfig sites;
        try {
            sites = SitesConfig.of(config);
            if (RoleConfig.of(config).isBranch()) {
                err.println("site add runs with a pool node's configuration, not a branch node's");
                return 2;
            }
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return 2;
        }
        Optional<SitesConfig.Branch> found = sites.branch(name);
        if (found.isEmpty()) {
            err.println("site add: " + name + " is not in switchboard.sites.branches of this configuration; add"
                    + " { name = \"" + name + "\", dc = \"...\", node = \"host:port\" } there first (the same on every"
                    + " pool node)");
            return 2;
        }
        SitesConfig.Branch branch = found.get();
        try (StorageWiring storage = new StorageWiring(config)) {
            storage.applySchemaOnly();
            CqlSession session = storage.session();
            CassandraSettings own = storage.settings();
            String poolDc = sites.poolDc().orElse(own.localDc());
            java.util.Set<String> dcs = new java.util.TreeSet<>();
            session.getMetadata().getNodes().values().forEach(n -> dcs.add(String.valueOf(n.getDatacenter())));
            if (!dcs.contains(branch.dc())) {
                err.println("site add " + name + ": no Cassandra node in data center " + branch.dc() + " yet (the"
                        + " cluster has " + dcs + "). Start the branch's Cassandra node first: in its"
                        + " cassandra-rackdc.properties dc=" + branch.dc() + " (GossipingPropertyFileSnitch), the"
                        + " pool's cluster_name, the pool's nodes as seeds, auto_bootstrap: false; then run this"
                        + " again.");
                return 1;
            }
            CassandraSettings site = SiteKeyspaces.settings(own, sites, branch, poolDc);
            Map<String, Integer> wanted = new TreeMap<>(Map.of(poolDc, sites.poolReplicas(), branch.dc(), 1));
            Optional<KeyspaceMetadata> before = session.getMetadata().getKeyspace(site.keyspace());
            String outcome = "created";
            boolean rebuild = false;
            if (before.isPresent()) {
                outcome = "existed";
                if (!wanted.equals(factors(before.get().getReplication()))) {
                    session.execute("ALTER KEYSPACE " + site.keyspace() + " WITH replication = " + site.replication());
                    outcome = "replication changed from " + factors(before.get().getReplication());
                    rebuild = true;
                }
            }
            int copied;
            try (SiteStores stores = SiteKeyspaces.open(site)) {
                for (String domain : config.domains()) {
                    stores.accounts()
                            .prepareDomain(domain)
                            .toCompletableFuture()
                            .join();
                }
                copied = copyAccounts(CassandraAccountStore.forSessionKeyspace(session), stores, config, name);
            }
            out.println("Site " + name + ": keyspace " + site.keyspace() + " " + site.replication() + " (" + outcome
                    + "), site schema version " + SiteKeyspaces.SCHEMA_VERSION + ".");
            out.println("Copied " + copied + " account(s) of users homed at " + name + " into it.");
            out.println("Next:");
            int step = 1;
            if (rebuild) {
                out.println(
                        "  " + step++ + ". On " + name + "'s Cassandra node: nodetool rebuild -ks " + site.keyspace()
                                + " -- " + poolDc + "   (streams what the keyspace held before into its new replica)");
            }
            Optional<KeyspaceMetadata> auth = session.getMetadata().getKeyspace("system_auth");
            if (own.credentials().isPresent() && auth.isPresent()) {
                Map<String, Integer> authFactors = factors(auth.get().getReplication());
                if (!authFactors.containsKey(branch.dc())) {
                    authFactors.put(branch.dc(), 1);
                    if (authFactors.size() == 1 || authFactors.containsKey("replication_factor")) {
                        authFactors.remove("replication_factor");
                        authFactors.putIfAbsent(poolDc, sites.poolReplicas());
                    }
                    out.println("  " + step++ + ". Cassandra authentication is on: the branch's node must check the"
                            + " branch node's login on its own during a WAN outage. ALTER KEYSPACE system_auth WITH"
                            + " replication = " + CassandraSettings.networkTopology(authFactors) + "; then on " + name
                            + "'s Cassandra node: nodetool rebuild -ks system_auth -- " + poolDc);
                }
            }
            out.println("  " + step++ + ". Restart the pool's nodes one at a time with this configuration (each opens"
                    + " the site keyspace; pool status lists its replication health).");
            out.println(
                    "  " + step + ". Start the branch node (role = \"branch\", site = \"" + name + "\"), publish its"
                            + " DNS records (bin/switchboard dns records), and home users there: bin/switchboard user move"
                            + " URI --site " + name + ".");
            return 0;
        } catch (ConfigError e) {
            err.println(e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("site add " + name + " failed: " + e.getMessage());
            org.slf4j.LoggerFactory.getLogger(SiteCommand.class).error("site add failed", e);
            return 1;
        }
    }

    /** Copies every account homed at {@code site} from the directory into the site keyspace; returns how many. */
    private static int copyAccounts(
            CassandraAccountStore directory, SiteStores stores, NodeConfig config, String site) {
        int copied = 0;
        for (String domain : config.domains()) {
            String after = "";
            while (true) {
                AccountPage page = directory
                        .list(domain, after, PAGE)
                        .toCompletableFuture()
                        .join();
                for (Account a : page.accounts()) {
                    if (site.equals(a.homeSite())) {
                        stores.accounts().put(a).toCompletableFuture().join();
                        copied++;
                    }
                }
                if (page.next().isEmpty()) {
                    break;
                }
                after = page.next().get();
            }
        }
        return copied;
    }

    /** A keyspace's replication as DC (or {@code replication_factor}) to full replicas. */
    private static Map<String, Integer> factors(Map<String, String> replication) {
        Map<String, Integer> out = new TreeMap<>();
        replication.forEach((k, v) -> {
            if (!k.equals("class")) {
                int slash = v.indexOf('/');
                out.put(k, Integer.parseInt((slash < 0 ? v : v.substring(0, slash)).trim()));
            }
        });
        return out;
    }
}
