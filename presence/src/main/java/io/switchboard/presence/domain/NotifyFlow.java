package io.switchboard.presence.domain;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a subscriber's SUBSCRIBE arrived, so NOTIFYs can reach it the same way: UDP subscribers
 * at their Contact from any node; TCP/TLS subscribers only over their connection, held by one
 * node (docs/architecture.md, rule 6), through that node when another one sends.
 *
 * @param transport  udp, tcp or tls
 * @param sourceHost the subscriber's address as seen by the node
 * @param sourcePort its port
 * @param node       the node that holds the connection ("" for UDP)
 * @param token      the flow token naming the connection ("" for UDP)
 */
public record NotifyFlow(String transport, String sourceHost, int sourcePort, String node, String token) {

    public NotifyFlow {
        transport = Objects.requireNonNull(transport, "transport").toLowerCase(Locale.ROOT);
        Objects.requireNonNull(sourceHost, "sourceHost");
        node = node == null ? "" : node;
        token = token == null ? "" : token;
    }

    public boolean isConnectionOriented() {
        return !"udp".equals(transport);
    }
}
