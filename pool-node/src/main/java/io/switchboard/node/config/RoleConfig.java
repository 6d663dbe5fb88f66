package io.switchboard.node.config;

import io.switchboard.sip.dns.UriTarget;
import java.util.Optional;

/**
 * What this node is (README, "Sites and branches"): {@code switchboard.role = pool} (the default, a node of the
 * central pool) or {@code branch}, the one node of a branch site ({@code switchboard.site}, one of
 * {@code switchboard.sites.branches}), which forms its own Pekko cluster, keeps its site's users in the site
 * keyspace and sends everything else to the pool ({@code switchboard.branch.pool-uri}). Anything wrong stops
 * startup naming the key.
 *
 * @param site    the branch site this node serves (empty for a pool node)
 * @param poolUri where a branch node sends requests for anyone not homed at its site, a loose-routing SIP
 *                URI located by RFC 3263 (empty for a pool node)
 */
public record RoleConfig(Role role, Optional<SitesConfig.Branch> site, Optional<String> poolUri) {

    public enum Role {
        POOL,
        BRANCH
    }

    /** The setting a pool node has: no site, no pool URI. */
    public static final RoleConfig POOL = new RoleConfig(Role.POOL, Optional.empty(), Optional.empty());

    public boolean isBranch() {
        return role == Role.BRANCH;
    }

    /**
     * The keyspace a branch node keeps its node-local tables in ({@code <storage.keyspace>_branch_<site>},
     * replicated to the branch's DC only): owner epochs, the authentication throttle, and the tables of the
     * features the pool serves for branch users in normal mode (presence, park, conferencing), which the
     * node's wiring creates but a branch does not offer yet.
     */
    public static String branchKeyspace(String poolKeyspace, String site) {
        return poolKeyspace + "_branch_" + site;
    }

    public static RoleConfig of(NodeConfig config) {
        ConfigReader s = new ConfigReader(config.raw(), "").at("switchboard");
        String role = s.string("role").trim();
        String site = s.string("site").trim();
        SitesConfig sites = SitesConfig.of(config);
        if (role.equals("pool")) {
            if (!site.isEmpty() && !site.equals(sites.pool())) {
                throw new ConfigError(
                        s.key("site"),
                        "a pool node's site is the pool's (" + sites.pool() + ") or empty; was \"" + site
                                + "\" (a branch node has role = branch)");
            }
            return POOL;
        }
        if (!role.equals("branch")) {
            throw new ConfigError(s.key("role"), "must be pool or branch, was \"" + role + "\"");
        }
        SitesConfig.Branch branch = sites.branch(site)
                .orElseThrow(() -> new ConfigError(
                        s.key("site"),
                        "a branch node's site must be one of switchboard.sites.branches " + sites.branchNames()
                                + ", was \"" + site + "\""));
        if (!config.nodeId().equals(branch.nodeId())) {
            throw new ConfigError(
                    "switchboard.node.id",
                    "must be " + branch.nodeId() + ", the node id of branch " + site
                            + "'s node in switchboard.sites.branches (node-id), was \"" + config.nodeId() + "\"");
        }
        NodeConfig.Storage st = config.storage();
        if (st.mode() != NodeConfig.StorageMode.EXTERNAL) {
            // the embedded launcher starts a cluster of its own; a branch's Cassandra node must join the pool's
            throw new ConfigError(
                    "switchboard.storage.mode",
                    "a branch node needs its site's Cassandra node, joined to the pool's Cassandra cluster in data"
                            + " center " + branch.dc() + ": mode = external");
        }
        if (!st.localDc().equals(branch.dc())) {
            throw new ConfigError(
                    "switchboard.storage.external.local-dc",
                    "must be the branch's data center " + branch.dc() + " (switchboard.sites.branches), was \""
                            + st.localDc() + "\"");
        }
        if (st.consistency() != NodeConfig.Consistency.LOCAL_QUORUM
                && st.consistency() != NodeConfig.Consistency.LOCAL_ONE) {
            throw new ConfigError(
                    "switchboard.storage.consistency",
                    "a branch node reads and writes in its own data center only: LOCAL_QUORUM (or LOCAL_ONE), was "
                            + st.consistency());
        }
        String keyspace = branchKeyspace(st.keyspace(), site);
        if (keyspace.length() > SitesConfig.MAX_KEYSPACE_LENGTH) {
            throw new ConfigError(
                    s.key("site"),
                    "makes the branch keyspace " + keyspace + " longer than Cassandra's "
                            + SitesConfig.MAX_KEYSPACE_LENGTH + " characters");
        }
        if (!config.bootstrapUsers().isEmpty()) {
            throw new ConfigError(
                    "switchboard.bootstrap-users",
                    "a branch node creates no users: add them at the pool with --site " + site);
        }
        ConfigReader b = s.at("branch");
        String pool = b.string("pool-uri").trim();
        if (!pool.matches("sips?:[^\\s<>\"]+")) {
            throw new ConfigError(
                    b.key("pool-uri"),
                    "a branch node needs the pool's SIP URI, e.g. sip:pool.example.com;transport=tcp, was \"" + pool
                            + "\"");
        }
        try {
            UriTarget.parse(pool); // what RFC 3263 resolution reads from it (README, "DNS")
        } catch (IllegalArgumentException e) {
            throw new ConfigError(b.key("pool-uri"), e.getMessage());
        }
        if (!pool.contains(";lr")) {
            pool = pool + ";lr"; // a loose-routing Route (RFC 3261 section 16.12)
        }
        return new RoleConfig(Role.BRANCH, Optional.of(branch), Optional.of(pool));
    }
}
