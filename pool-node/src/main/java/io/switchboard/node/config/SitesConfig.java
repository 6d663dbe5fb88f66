package io.switchboard.node.config;

import com.typesafe.config.Config;
import io.switchboard.accounts.domain.AccountRules;
import io.switchboard.accounts.domain.SiteName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code switchboard.sites} section: the central pool's site name and the branch sites, each
 * with its Cassandra data center and its branch node's SIP address (README, "Sites and branches").
 * Anything wrong stops startup naming the key, e.g. {@code switchboard.sites.branches[1].dc}.
 *
 * @param pool         the pool's own site name
 * @param poolDc       the pool's Cassandra data center; empty: the storage's local DC (known once connected)
 * @param poolReplicas replicas of a branch site's keyspace in the pool's DC
 */
public record SitesConfig(String pool, Optional<String> poolDc, int poolReplicas, List<Branch> branches) {

    /** Cassandra's limit on a keyspace name. */
    static final int MAX_KEYSPACE_LENGTH = 48;

    /**
     * A branch site.
     *
     * @param dc      its Cassandra data center (its branch node runs the one Cassandra node of that DC)
     * @param sipHost its branch node's SIP host
     * @param sipPort its branch node's SIP port
     * @param nodeId  its branch node's {@code switchboard.node.id} (default {@code branch-<name>}): the pool
     *                recognizes the flows that node holds by it and sends requests into them through that node
     */
    public record Branch(String name, String dc, String sipHost, int sipPort, String nodeId) {

        public Branch(String name, String dc, String sipHost, int sipPort) {
            this(name, dc, sipHost, sipPort, defaultNodeId(name));
        }

        public static String defaultNodeId(String name) {
            return "branch-" + name;
        }

        public String sipAddress() {
            return sipHost + ":" + sipPort;
        }
    }

    public SitesConfig {
        branches = List.copyOf(branches);
    }

    /** The branch sites' names, in configuration order. */
    public List<String> branchNames() {
        return branches.stream().map(Branch::name).toList();
    }

    public Optional<Branch> branch(String name) {
        return branches.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The keyspace of a branch site's users: {@code <pool keyspace>_site_<name>}. */
    public static String siteKeyspace(String poolKeyspace, String site) {
        return poolKeyspace + "_site_" + site;
    }

    /** The rules for new accounts, which know the sites a user may be homed at. */
    public AccountRules accountRules(List<String> domains) {
        return new AccountRules(domains, pool, branchNames());
    }

    public static SitesConfig of(NodeConfig config) {
        ConfigReader s = new ConfigReader(config.raw(), "").at("switchboard").at("sites");
        String pool = s.string("pool").trim();
        if (!SiteName.isValid(pool)) {
            throw new ConfigError(s.key("pool"), "must be a site name (" + SiteName.RULE + "), was \"" + pool + "\"");
        }
        String poolDc = s.string("pool-dc").trim();
        int poolReplicas = s.integer("pool-replicas", 1, 9);
        List<? extends Config> entries = s.objects("branches");
        List<Branch> branches = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> dcs = new HashSet<>();
        Set<String> nodeIds = new HashSet<>();
        if (!poolDc.isEmpty()) {
            dcs.add(poolDc);
        }
        for (int i = 0; i < entries.size(); i++) {
            ConfigReader b = new ConfigReader(entries.get(i), s.key("branches") + "[" + i + "]");
            String name = b.string("name").trim();
            if (!SiteName.isValid(name)) {
                throw new ConfigError(
                        b.key("name"), "must be a site name (" + SiteName.RULE + "), was \"" + name + "\"");
            }
            if (name.equals(pool)) {
                throw new ConfigError(
                        b.key("name"), "\"" + name + "\" is the pool's own site (switchboard.sites.pool)");
            }
            if (!names.add(name)) {
                throw new ConfigError(b.key("name"), "\"" + name + "\" is listed twice");
            }
            String keyspace = siteKeyspace(config.storage().keyspace(), name);
            if (keyspace.length() > MAX_KEYSPACE_LENGTH) {
                throw new ConfigError(
                        b.key("name"),
                        "makes the site keyspace " + keyspace + " longer than Cassandra's " + MAX_KEYSPACE_LENGTH
                                + " characters (shorten the name or switchboard.storage.keyspace)");
            }
            // a DC name is written into a CQL replication map as a string literal
            String dc = b.matching(
                    "dc", d -> d.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,47}"), "must be a Cassandra data center name");
            if (!dcs.add(dc)) {
                throw new ConfigError(
                        b.key("dc"),
                        "\"" + dc
                                + "\" is already the data center of the pool or another branch: each site has its own");
            }
            String node = b.nonEmpty("node");
            int colon = node.lastIndexOf(':');
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(node.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (port < 1 || port > 65535) {
                throw new ConfigError(b.key("node"), "\"" + node + "\" must be the branch node's SIP host:port");
            }
            String nodeId = b.has("node-id") ? b.string("node-id").trim() : Branch.defaultNodeId(name);
            if (nodeId.isEmpty() || !nodeIds.add(nodeId)) {
                throw new ConfigError(b.key("node-id"), "must be a node id of its own, was \"" + nodeId + "\"");
            }
            branches.add(new Branch(name, dc, node.substring(0, colon), port, nodeId));
        }
        if (!branches.isEmpty()) {
            // The pool's keyspace must stay in the pool's DC: SimpleStrategy ignores data centers and would
            // place its replicas on branch nodes too, which must hold only their own site's users.
            String replication = config.storage().replication();
            if (!replication.contains("NetworkTopologyStrategy")) {
                throw new ConfigError(
                        "switchboard.storage.replication",
                        "with branch sites (switchboard.sites.branches) the pool's keyspace must use"
                                + " NetworkTopologyStrategy naming the pool's data center only, e.g. {'class':"
                                + " 'NetworkTopologyStrategy', 'dc1': 3}; was " + replication);
            }
            for (Branch b : branches) {
                if (replication.contains("'" + b.dc() + "'")) {
                    throw new ConfigError(
                            "switchboard.storage.replication",
                            "names branch " + b.name() + "'s data center " + b.dc()
                                    + ": the pool's keyspace is replicated to the pool's data center only");
                }
            }
        }
        return new SitesConfig(pool, poolDc.isEmpty() ? Optional.empty() : Optional.of(poolDc), poolReplicas, branches);
    }
}
