package io.switchboard.node.site;

import io.switchboard.node.config.SitesConfig;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The proxy's view of where flows are held, on a pool node with branch sites (README, "Sites and branches"): the
 * pool's own nodes as the cluster announces them ({@code SipPeers}), and each branch node at its configured SIP
 * address. A branch node is not a member of the pool's cluster, so a binding a branch user made at it (in the
 * site keyspace, read by the pool) names a node the cluster does not know; a request for that user goes to the
 * branch node with the flow token in a Route (RFC 5626 section 5.2, the same as between pool nodes), and the
 * branch node, which shares the pool's secret, sends it into the flow.
 *
 * <p>A branch node counts as available while it answers the pool's OPTIONS ({@link OptionsWatcher}): once it
 * does not (a WAN outage, or the branch node is down), its users' bindings are skipped like those of a pool node
 * that left, and a call to them is answered 480 at once instead of after a 32 s transaction timeout.
 */
public final class BranchPeers implements PoolMembers {

    private final PoolMembers pool;
    private final FlowTokens tokens;
    private final Map<String, NextHop> branchNodes;
    private final Predicate<String> branchReachable;

    public BranchPeers(PoolMembers pool, FlowTokens tokens, SitesConfig sites) {
        this(pool, tokens, sites, nodeId -> true);
    }

    /** @param branchReachable whether the branch node of this node id answers now */
    public BranchPeers(PoolMembers pool, FlowTokens tokens, SitesConfig sites, Predicate<String> branchReachable) {
        this.branchReachable = branchReachable;
        this.pool = pool;
        this.tokens = tokens;
        Map<String, NextHop> nodes = new HashMap<>();
        for (SitesConfig.Branch b : sites.branches()) {
            // UDP between nodes, as between pool nodes (SipPeers): the transaction layer retransmits
            nodes.put(b.nodeId(), new NextHop(b.sipHost(), b.sipPort(), "udp"));
        }
        this.branchNodes = Map.copyOf(nodes);
    }

    @Override
    public String selfNode() {
        return pool.selfNode();
    }

    @Override
    public boolean isAvailable(String nodeId) {
        if (nodeId != null && branchNodes.containsKey(nodeId)) {
            return branchReachable.test(nodeId);
        }
        return pool.isAvailable(nodeId);
    }

    @Override
    public Optional<NextHop> nodeHolding(String token) {
        Optional<NextHop> branch = tokens.decode(token).map(f -> branchNodes.get(f.nodeId()));
        return branch.isPresent() ? branch : pool.nodeHolding(token);
    }
}
