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
 * @param alternates       where to send the branch instead, in turn, when {@code hop} times out,
 *                         cannot be reached or answers 503 (RFC 3263 section 4.3): the further
 *                         targets DNS gave for the same next hop; empty for one
 */
public record Target(
        String requestUri,
        List<String> routes,
        NextHop hop,
        String outboundToken,
        String label,
        boolean followsSettings,
        List<NextHop> alternates) {

    /** A branch with no alternate next hops. */
    public Target(
            String requestUri,
            List<String> routes,
            NextHop hop,
            String outboundToken,
            String label,
            boolean followsSettings) {
        this(requestUri, routes, hop, outboundToken, label, followsSettings, List.of());
    }

    public Target {
        Objects.requireNonNull(requestUri, "requestUri");
        routes = List.copyOf(routes);
        outboundToken = outboundToken == null ? "" : outboundToken;
        label = label == null ? "" : label;
        alternates = alternates == null ? List.of() : List.copyOf(alternates);
        if (!alternates.isEmpty() && hop == null) {
            throw new IllegalArgumentException("alternates need a first hop");
        }
    }

    /** The same branch sent to the first alternate, with the rest as its alternates; null when none is left. */
    public Target nextAlternate() {
        if (alternates.isEmpty()) {
            return null;
        }
        return new Target(
                requestUri,
                routes,
                alternates.get(0),
                outboundToken,
                label,
                followsSettings,
                alternates.subList(1, alternates.size()));
    }
}
