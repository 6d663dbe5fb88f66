package io.switchboard.node.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.flow.FlowTuple;
import java.util.Locale;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;

/**
 * Where a request came from and on which connection, as the registrar stores it with a binding
 * and presence with a subscription. It exists because the registrar, presence and the front end's
 * logging all need the same reading of the socket a request arrived on (never of its headers, see
 * docs/architecture.md, rule 6), and a flow token is minted for connection-oriented transports
 * only (RFC 5626 section 5.2).
 */
final class ArrivalFlows {

    private final String nodeId;
    private final FlowTokens flowTokens;

    ArrivalFlows(String nodeId, FlowTokens flowTokens) {
        this.nodeId = nodeId;
        this.flowTokens = flowTokens;
    }

    /** Where the request came from and on which connection (docs/architecture.md, rule 6; RFC 5626 section 5.2). */
    Flow flowOf(Request request) {
        SIPMessage m = (SIPMessage) request;
        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
        String transport = via.getTransport().toLowerCase(Locale.ROOT);
        String remote = m.getRemoteAddress() == null ? "" : m.getRemoteAddress().getHostAddress();
        int remotePort = m.getRemotePort();
        String token = "";
        if (!"udp".equals(transport)) {
            String local =
                    m.getLocalAddress() == null ? "" : m.getLocalAddress().getHostAddress();
            token = flowTokens.encode(new FlowTuple(nodeId, transport, local, m.getLocalPort(), remote, remotePort));
        }
        return new Flow(transport, remote, remotePort, nodeId, token);
    }

    /** The flow a request arrived on, as presence stores it with a subscription. */
    Flow subscriberFlowOf(Request request) {
        Flow f = flowOf(request);
        // any node may NOTIFY a UDP subscriber, so its dialog records no node
        return f.isConnectionOriented()
                ? f
                : new Flow(f.transport(), f.sourceHost(), f.sourcePort(), "", f.flowToken());
    }

    /** The source address of a request, for log lines and the authentication throttle. */
    static String sourceOf(Request request) {
        SIPMessage m = (SIPMessage) request;
        return m.getRemoteAddress() == null ? "unknown" : m.getRemoteAddress().getHostAddress();
    }
}
