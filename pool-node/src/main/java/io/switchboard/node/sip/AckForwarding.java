package io.switchboard.node.sip;

import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.node.routing.RequestAction;
import io.switchboard.proxy.sip.StatefulProxy;
import io.switchboard.registrar.sip.Gruus;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of an ACK for a 2xx that reaches the front end (RFC 3261 section 13.2.2.4: end to
 * end, never answered): along our signed Record-Route, to the instance a GRUU of ours names, or
 * dropped and counted. It exists because an ACK is the one request without a server transaction
 * and without a response, so its three outcomes (and the drop reasons {@link NodeMetrics#ackDropped}
 * counts) are kept together rather than spread over the request dispatch.
 */
final class AckForwarding {

    private static final Logger LOG = LoggerFactory.getLogger(AckForwarding.class);
    private final StatefulProxy proxy;
    private final Gruus gruus;
    private final NodeMetrics metrics;

    AckForwarding(StatefulProxy proxy, Gruus gruus, NodeMetrics metrics) {
        this.proxy = proxy;
        this.gruus = gruus;
        this.metrics = metrics;
    }

    /** Along the Route left after ours, statelessly (the policy saw a Record-Route we signed). */
    void forward(Request ack, StatefulProxy.Routing routing) {
        proxy.forwardAck(ack, routing);
    }

    /**
     * An ACK for a 2xx to a GRUU of ours: to the binding of the instance it names (RFC 5627 section
     * 5.4). A {@code gr} without a value that is no temporary GRUU we made names nobody: dropped.
     */
    void toGruu(Request ack, RequestAction.AckToGruu a) {
        var temp = gruus.openTempGruu(a.user());
        if (temp.isPresent()) {
            proxy.forwardAckToInstance(
                    ack, temp.get().aor(), UriParts.stripBrackets(temp.get().instanceId()), this::dropped);
        } else if (a.instance() != null && !a.instance().isEmpty()) {
            proxy.forwardAckToInstance(ack, a.aor(), a.instance(), this::dropped);
        } else {
            dropped(ack, "unknown-gruu");
        }
    }

    /** Nothing is sent for a dropped ACK: it is only counted by {@code reason} and logged. */
    void dropped(Request ack, String reason) {
        metrics.ackDropped(reason);
        LOG.debug("Dropped ACK from {} ({})", ArrivalFlows.sourceOf(ack), reason);
    }
}
