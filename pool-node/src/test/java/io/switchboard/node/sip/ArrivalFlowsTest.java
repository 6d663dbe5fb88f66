package io.switchboard.node.sip;

import static org.assertj.core.api.Assertions.assertThat;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.flow.Flow;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.flow.FlowTuple;
import java.net.InetAddress;
import java.util.Locale;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The flow read off the socket a request came from, per transport (RFC 5626 section 5.2). */
class ArrivalFlowsTest {

    final FlowTokens tokens = new FlowTokens(SipFrontEndTest.SECRET);
    final ArrivalFlows flows = new ArrivalFlows("node-1", tokens);

    Request arrivedOver(String transport) throws Exception {
        Request request = SipFrontEndTest.parse(
                "REGISTER sip:example.test", "<sip:alice@example.test>", "<sip:alice@example.test>", "");
        ((ViaHeader) request.getHeader(ViaHeader.NAME)).setTransport(transport);
        SIPMessage m = (SIPMessage) request;
        m.setRemoteAddress(InetAddress.getByName("192.0.2.1"));
        m.setRemotePort(40000);
        m.setLocalAddress(InetAddress.getByName("192.0.2.10"));
        m.setLocalPort(5060);
        return request;
    }

    @ParameterizedTest(name = "{0}: token {1}, subscriber flow on node ''{2}''")
    @CsvSource({"UDP, false, ''", "TCP, true, node-1", "TLS, true, node-1"})
    void reads_the_socket_and_mints_a_token_for_connections_only(String transport, boolean token, String subscriberNode)
            throws Exception {
        Request request = arrivedOver(transport);
        Flow flow = flows.flowOf(request);
        assertThat(flow.transport()).isEqualTo(transport.toLowerCase(Locale.ROOT));
        assertThat(flow.sourceHost()).isEqualTo("192.0.2.1");
        assertThat(flow.sourcePort()).isEqualTo(40000);
        assertThat(flow.node()).isEqualTo("node-1");
        if (token) {
            assertThat(tokens.decode(flow.flowToken()))
                    .contains(new FlowTuple(
                            "node-1", transport.toLowerCase(Locale.ROOT), "192.0.2.10", 5060, "192.0.2.1", 40000));
        } else {
            assertThat(flow.flowToken()).isEmpty();
        }
        // any node may NOTIFY a UDP subscriber; a TCP/TLS one only through the node holding its connection
        assertThat(flows.subscriberFlowOf(request).node()).isEqualTo(subscriberNode);
        assertThat(ArrivalFlows.sourceOf(request)).isEqualTo("192.0.2.1");
    }
}
