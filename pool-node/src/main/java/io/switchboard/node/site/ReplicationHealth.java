package io.switchboard.node.site;

import com.datastax.oss.driver.api.core.metadata.Metadata;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replication health of a keyspace as this node's Cassandra driver sees it (README, "Sites and branches", {@code
 * pool status}): for each data center its replication names, how many replicas it keeps there and how many of that
 * DC's Cassandra nodes are up, down, or unknown to the driver.
 *
 * <p>Where the states come from. The driver connects to the nodes of its own DC only (the others are IGNORED by its
 * load balancing), so a node of another DC, such as a branch's, is UNKNOWN until the Cassandra node it is connected
 * to tells it otherwise: Cassandra pushes a status event when its gossip marks a node down or up again, and the
 * driver then shows that node DOWN or UP. So a branch DC cut off by the WAN shows DOWN once the pool's Cassandra
 * node has noticed (seconds, its failure detector), UP again after the heal; one that was already down when this
 * node connected shows UNKNOWN. {@link #state}: {@code ok} when every DC of the replication has a node that is up
 * or not known to be down, {@code DEGRADED} when one has no node at all or only nodes known to be down, {@code
 * MISSING} when the keyspace does not exist (a branch site whose keyspace has not been created yet).
 */
public final class ReplicationHealth {

    /**
     * One data center of a keyspace's replication.
     *
     * @param replicas the replication factor there ({@code null}: SimpleStrategy, which places replicas in any DC)
     */
    public record Dc(String dc, Integer replicas, int nodes, int up, int down, int unknown) {

        /** A replica there can be reached, as far as the driver knows. */
        public boolean reachable() {
            return up > 0 || (nodes > 0 && down < nodes);
        }
    }

    /** @param state {@code ok}, {@code DEGRADED} or {@code MISSING} (see the class comment) */
    public record Report(String keyspace, String state, List<Dc> dcs) {}

    private ReplicationHealth() {}

    /** The health of {@code keyspace} in {@code metadata} (the session's current view; never blocks). */
    public static Report of(Metadata metadata, String keyspace) {
        Optional<KeyspaceMetadata> ks = metadata.getKeyspace(keyspace);
        if (ks.isEmpty()) {
            return new Report(keyspace, "MISSING", List.of());
        }
        Map<String, String> replication = ks.get().getReplication();
        Map<String, int[]> byDc = new TreeMap<>(); // nodes, up, down, unknown
        for (Node n : metadata.getNodes().values()) {
            int[] c = byDc.computeIfAbsent(String.valueOf(n.getDatacenter()), dc -> new int[4]);
            c[0]++;
            NodeState s = n.getState();
            if (s == NodeState.UP) {
                c[1]++;
            } else if (s == NodeState.DOWN || s == NodeState.FORCED_DOWN) {
                c[2]++;
            } else {
                c[3]++;
            }
        }
        List<Dc> dcs = new ArrayList<>();
        String strategy = replication.getOrDefault("class", "");
        if (strategy.endsWith("NetworkTopologyStrategy")) {
            for (var e : new TreeMap<>(replication).entrySet()) {
                if (e.getKey().equals("class")) {
                    continue;
                }
                int[] c = byDc.getOrDefault(e.getKey(), new int[4]);
                dcs.add(new Dc(e.getKey(), replicasOf(e.getValue()), c[0], c[1], c[2], c[3]));
            }
        } else {
            byDc.forEach((dc, c) -> dcs.add(new Dc(dc, null, c[0], c[1], c[2], c[3])));
        }
        boolean ok = !dcs.isEmpty() && dcs.stream().allMatch(Dc::reachable);
        return new Report(keyspace, ok ? "ok" : "DEGRADED", List.copyOf(dcs));
    }

    /** "3", or "3/1" (full/transient replicas): the full ones. */
    private static Integer replicasOf(String value) {
        try {
            int slash = value.indexOf('/');
            return Integer.parseInt(
                    slash < 0 ? value.trim() : value.substring(0, slash).trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
