package io.switchboard.sip.flow;

/**
 * The connection a request arrived on, kept with what it created (a registration's binding, a
 * subscription dialog) so that requests towards the client can go back the same way.
 * Connections are node-local (docs/architecture.md, rule 6): a binding or dialog made over TCP or
 * TLS can only be reached through {@code node}, into the connection {@code flowToken} names
 * ({@link FlowTokens}, carrying a {@link FlowTuple}); one made over UDP can be reached from any
 * node.
 *
 * @param transport   "udp", "tcp" or "tls" (lower case)
 * @param sourceHost  the packet's source address
 * @param sourcePort  the packet's source port
 * @param node        id of the pool node that holds the connection ("" when it does not matter: UDP)
 * @param flowToken   RFC 5626 flow token naming the connection on that node, or "" when none
 */
public record Flow(String transport, String sourceHost, int sourcePort, String node, String flowToken) {

    public Flow {
        transport = canonicalTransport(java.util.Objects.requireNonNull(transport, "transport"));
        // Many bindings share a source address (an office NAT, a proxy): one copy per address,
        // since every binding of a node stays in memory (see Binding).
        sourceHost = java.util.Objects.requireNonNull(sourceHost, "sourceHost").intern();
        node = node == null ? "" : node.intern();
        flowToken = flowToken == null ? "" : flowToken;
    }

    /** Lower case, and the same String instance for the usual transports (not one copy per binding). */
    private static String canonicalTransport(String transport) {
        return switch (transport) {
            case "udp", "UDP" -> "udp";
            case "tcp", "TCP" -> "tcp";
            case "tls", "TLS" -> "tls";
            default -> transport.toLowerCase(java.util.Locale.ROOT);
        };
    }

    public boolean isConnectionOriented() {
        return !"udp".equals(transport);
    }

    public String source() {
        return sourceHost + ":" + sourcePort;
    }
}
