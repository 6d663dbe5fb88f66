package io.switchboard.node.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

import io.switchboard.proxy.domain.NextHop;
import io.switchboard.proxy.domain.TargetPlanner;
import io.switchboard.sip.flow.FlowTokens;

/**
 * Which pool nodes are live and where their SIP ports are, for the proxy (DESIGN rule 6).
 *
 * <p>Every node joins the cluster with a role {@code sip-node:<id>@<host>:<udp port>}. A node is
 * available while it is an Up (or WeaklyUp) member that this node does not see as unreachable.
 * The view is an immutable map swapped on every cluster event, so the proxy reads it per request
 * on a SIP thread without locking or asking anyone. Requests into another node's flow go to that
 * node over UDP: the RI's outgoing TCP connections lose the first request after a reconnect (see
 * sip/README.md), and UDP between nodes on one LAN is retransmitted by the transaction layer.
 */
public final class SipPeers implements TargetPlanner.Pool {

    public static final String ROLE_PREFIX = "sip-node:";

    private final String selfNode;
    private final FlowTokens tokens;
    private volatile Map<String, NextHop> available = Map.of();

    private SipPeers(String selfNode, FlowTokens tokens) {
        this.selfNode = selfNode;
        this.tokens = tokens;
    }

    /** The cluster role that announces a node's SIP UDP address. */
    public static String role(String nodeId, String host, int udpPort) {
        return ROLE_PREFIX + nodeId + "@" + host + ":" + udpPort;
    }

    public static SipPeers start(ActorSystem<?> system, String selfNode, FlowTokens tokens) {
        SipPeers peers = new SipPeers(selfNode, tokens);
        Cluster cluster = Cluster.get(system);
        Behavior<ClusterEvent.ClusterDomainEvent> watcher = Behaviors.setup(ctx -> {
            cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.ClusterDomainEvent.class));
            return Behaviors.receiveMessage(event -> {
                peers.refresh(cluster.state());
                return Behaviors.same();
            });
        });
        system.systemActorOf(watcher, "sip-peers", Props.empty());
        peers.refresh(cluster.state());
        return peers;
    }

    private void refresh(ClusterEvent.CurrentClusterState state) {
        Map<String, NextHop> next = new HashMap<>();
        for (Member m : state.getMembers()) {
            boolean up = m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
            if (!up || state.getUnreachable().contains(m)) {
                continue;
            }
            for (String role : m.getRoles()) {
                if (role.startsWith(ROLE_PREFIX)) {
                    parse(role.substring(ROLE_PREFIX.length())).ifPresent(e -> next.put(e.getKey(), e.getValue()));
                }
            }
        }
        available = Map.copyOf(next);
    }

    private static Optional<Map.Entry<String, NextHop>> parse(String value) {
        int at = value.lastIndexOf('@');
        int colon = value.lastIndexOf(':');
        if (at <= 0 || colon <= at) {
            return Optional.empty();
        }
        try {
            String host = value.substring(at + 1, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return Optional.of(Map.entry(value.substring(0, at),
                    new NextHop(host, Integer.parseInt(value.substring(colon + 1)), "udp")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String selfNode() {
        return selfNode;
    }

    @Override
    public boolean isAvailable(String nodeId) {
        return available.containsKey(nodeId);
    }

    @Override
    public Optional<NextHop> nodeHolding(String token) {
        return tokens.decode(token).map(f -> available.get(f.nodeId()));
    }

    /** Node ids currently available, for operators. */
    public Map<String, NextHop> snapshot() {
        return available;
    }
}
