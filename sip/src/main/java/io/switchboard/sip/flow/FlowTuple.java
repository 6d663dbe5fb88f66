package io.switchboard.sip.flow;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * A connection (or, for UDP, a 5-tuple) a client reached this pool through, as RFC 5626 section 5.2
 * defines a flow: which node holds it, on which transport, between which local and remote
 * address and port. Requests for a binding made over TCP/TLS must be sent back through the node
 * and connection in the flow (docs/architecture.md, rule 6), because NATs and firewalls only let them in there.
 *
 * @param transport upper-cased ("UDP", "TCP", "TLS", "WS", "WSS", "SCTP"), as JAIN-SIP names them
 */
public record FlowTuple(
        String nodeId, String transport, String localAddress, int localPort, String remoteAddress, int remotePort) {

    public FlowTuple {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(localAddress, "localAddress");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        transport = transport.toUpperCase(Locale.ROOT);
        requireShort("nodeId", nodeId);
        requireShort("transport", transport);
        requireShort("localAddress", localAddress);
        requireShort("remoteAddress", remoteAddress);
        requirePort("localPort", localPort);
        requirePort("remotePort", remotePort);
    }

    private static void requireShort(String name, String value) {
        int len = value.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > 255) {
            throw new IllegalArgumentException(name + " must be 1..255 bytes");
        }
    }

    private static void requirePort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " out of range: " + port);
        }
    }
}
