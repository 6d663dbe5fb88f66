package io.switchboard.node.cluster;

import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.PoolMembers;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy's view of the pool (docs/architecture.md, rule 6): which nodes are live ({@link NodeDirectory}) and
 * where their SIP UDP port is.
 *
 * <p>Every node joins the cluster with a role {@code sip-node:<id>@<host>:<udp port>}. Requests
 * into a flow another node holds go to that node over UDP: the RI's outgoing TCP connections can
 * lose the first request after a reconnect (see sip/README.md), while UDP between nodes is
 * retransmitted by the transaction layer. The address map is rebuilt only when the directory's
 * snapshot changes, so a lookup per request is a volatile read and a hash lookup.
 */
public final class SipPeers implements PoolMembers {

    public static final String ROLE_PREFIX = "sip-node:";

    private record Addresses(NodeDirectory.Snapshot source, Map<String, NextHop> byNode) {}

    private final NodeDirectory directory;
    private final String selfNode;
    private final FlowTokens tokens;
    private volatile Addresses addresses = new Addresses(null, Map.of());

    public SipPeers(NodeDirectory directory, String selfNode, FlowTokens tokens) {
        this.directory = directory;
        this.selfNode = selfNode;
        this.tokens = tokens;
    }

    /** The cluster role that announces a node's SIP UDP address. */
    public static String role(String nodeId, String host, int udpPort) {
        return ROLE_PREFIX + nodeId + "@" + host + ":" + udpPort;
    }

    @Override
    public String selfNode() {
        return selfNode;
    }

    @Override
    public boolean isAvailable(String nodeId) {
        return directory.isAvailable(nodeId);
    }

    @Override
    public Optional<NextHop> nodeHolding(String token) {
        return tokens.decode(token)
                .filter(f -> directory.isAvailable(f.nodeId()))
                .map(f -> current().get(f.nodeId()));
    }

    private Map<String, NextHop> current() {
        NodeDirectory.Snapshot now = directory.snapshot();
        Addresses a = addresses;
        if (a.source() != now) {
            Map<String, NextHop> map = new HashMap<>();
            for (NodeDirectory.MemberView m : now.members()) {
                for (String role : m.roles()) {
                    if (role.startsWith(ROLE_PREFIX)) {
                        parse(role.substring(ROLE_PREFIX.length())).ifPresent(e -> map.put(e.getKey(), e.getValue()));
                    }
                }
            }
            a = new Addresses(now, Map.copyOf(map));
            addresses = a;
        }
        return a.byNode();
    }

    static Optional<Map.Entry<String, NextHop>> parse(String value) {
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
            return Optional.of(Map.entry(
                    value.substring(0, at), new NextHop(host, Integer.parseInt(value.substring(colon + 1)), "udp")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
