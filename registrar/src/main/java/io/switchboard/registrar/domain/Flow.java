package io.switchboard.registrar.domain;

/**
 * The connection a REGISTER arrived on. Connections are node-local (DESIGN rule 6): a binding
 * made over TCP or TLS can only be reached through {@code node}, while a UDP binding can be
 * reached from any node.
 *
 * @param transport   "udp", "tcp" or "tls" (lower case)
 * @param sourceHost  the packet's source address
 * @param sourcePort  the packet's source port
 * @param node        id of the pool node that holds the connection
 * @param flowToken   RFC 5626 flow token naming the connection on that node, or "" when none
 */
public record Flow(String transport, String sourceHost, int sourcePort, String node, String flowToken) {

    public Flow {
        transport = transport.toLowerCase(java.util.Locale.ROOT);
        flowToken = flowToken == null ? "" : flowToken;
    }

    public boolean isConnectionOriented() {
        return !"udp".equals(transport);
    }

    public String source() {
        return sourceHost + ":" + sourcePort;
    }
}
