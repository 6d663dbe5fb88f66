package io.switchboard.proxy.domain;

import io.switchboard.sip.routing.NextHop;
import java.util.List;
import java.util.Objects;

/**
 * One branch of a fork: what the forwarded copy of the request looks like and where it goes.
 *
 * @param requestUri       the new Request-URI (a registered contact, or a forwarding target)
 * @param routes           Route header values to push, first hop first (a binding's Path, or the
 *                         flow route through the node that holds the target's connection)
 * @param hop              send over this flow / to this address, or null to let the Route or
 *                         Request-URI decide (RFC 3263)
 * @param outboundToken    flow token to put in our Record-Route on the outbound side when the
 *                         branch leaves over one of this node's client flows, else ""
 * @param label            for logs and operators: which binding or setting made this branch
 * @param followsSettings  true when call settings (sim-ring, forwarding) made this branch
 */
public record Target(
        String requestUri,
        List<String> routes,
        NextHop hop,
        String outboundToken,
        String label,
        boolean followsSettings) {

    public Target {
        Objects.requireNonNull(requestUri, "requestUri");
        routes = List.copyOf(routes);
        outboundToken = outboundToken == null ? "" : outboundToken;
        label = label == null ? "" : label;
    }
}
