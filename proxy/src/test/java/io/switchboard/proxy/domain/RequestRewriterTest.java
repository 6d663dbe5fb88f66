package io.switchboard.proxy.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.sip.routing.NextHop;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the proxy changes in a request it forwards: RFC 3261 section 16.6, 22.3 and RFC 5626 section 5.3. */
class RequestRewriterTest {

    private static final String UDP_SIDE = "sip:10.0.0.1:5060;transport=udp;lr";
    private static final String TCP_SIDE = "sip:10.0.0.1:5060;transport=tcp;lr";
    private static final String FLOW_SIDE = "sip:tok1@10.0.0.1:5060;transport=tcp;lr";

    @ParameterizedTest(name = "{0}, initial {1} -> record-routed {2}")
    @CsvSource({
        // 16.6 step 4: we stay on the path of dialogs that the request may create (12.1.1)
        "INVITE,    true,  true",
        "SUBSCRIBE, true,  true",
        "REFER,     true,  true",
        "NOTIFY,    true,  true",
        "MESSAGE,   true,  false",
        "OPTIONS,   true,  false",
        // in-dialog requests follow the route set made by the initial one (16.6 step 4: MUST NOT add)
        "INVITE,    false, false",
        "BYE,       false, false",
    })
    void record_routing(String method, boolean initial, boolean recordRouted) {
        assertThat(RequestRewriter.isRecordRouted(method, initial)).isEqualTo(recordRouted);
    }

    @Test
    void record_route_per_side() {
        // 16.6 step 4: not record-routed, nothing
        assertThat(RequestRewriter.recordRoutes(null, UDP_SIDE)).isEmpty();
        // same transport and no flow on either side: one Record-Route serves both directions
        assertThat(RequestRewriter.recordRoutes(UDP_SIDE, UDP_SIDE)).containsExactly(UDP_SIDE);
        // UDP in, TCP out: one per side, the outbound one on top (the callee's route set reads it first)
        assertThat(RequestRewriter.recordRoutes(UDP_SIDE, TCP_SIDE)).containsExactly(TCP_SIDE, UDP_SIDE);
        // out over a client's flow: its token in the outbound Record-Route (RFC 5626 section 5.3)
        assertThat(RequestRewriter.recordRoutes(TCP_SIDE, FLOW_SIDE)).containsExactly(FLOW_SIDE, TCP_SIDE);
    }

    @Test
    void a_branch_copy_takes_the_targets_uri_routes_and_hop() {
        NextHop flow = new NextHop("192.0.2.2", 40001, "tcp");
        Target target = new Target(
                "sip:a@192.0.2.2:5070;transport=tcp", List.of("sip:p1;lr", "sip:p2;lr"), flow, "tok1", "a", false);
        RequestRewriter.BranchCopy copy = RequestRewriter.branch(target, 69);
        assertThat(copy.requestUri()).as("16.6 step 2").isEqualTo("sip:a@192.0.2.2:5070;transport=tcp");
        assertThat(copy.maxForwards()).as("16.6 step 3").isEqualTo(69);
        assertThat(copy.routes())
                .as("16.6 step 6: a Path is pushed first hop first")
                .containsExactly("sip:p1;lr", "sip:p2;lr");
        assertThat(copy.hop()).as("RFC 5626 5.3: into the client's connection").isEqualTo(flow);
    }

    @ParameterizedTest(name = "transport={0}, sips {1} -> {2}")
    @CsvSource({
        "tcp, false, tcp",
        "TLS, false, tls",
        ",    false, udp", // RFC 3263 section 4.1: a sip URI without transport is UDP
        ",    true,  tls", // a sips URI is TLS
    })
    void transport_of_the_next_hop(String param, boolean sips, String transport) {
        assertThat(RequestRewriter.transport(param, sips)).isEqualTo(transport);
    }

    @ParameterizedTest(name = "flow on {0}, arrived on it {1} -> steered {2}")
    @CsvSource({
        // RFC 5626 5.3: a Route of ours with the token of one of our flows sends the request into it
        "node-1, false, true",
        // the connection the request came in on: the token just marks the way back out
        "node-1, true,  false",
        // another node's flow: that node's business, the request goes on by its next Route
        "node-2, false, false",
        // not a token we made
        ",       false, false",
    })
    void a_route_of_ours_with_a_flow_token(String flowNode, boolean arrivedOnFlow, boolean steered) {
        assertThat(RequestRewriter.steersIntoFlow(flowNode, "node-1", arrivedOnFlow))
                .isEqualTo(steered);
    }

    @ParameterizedTest(name = "realm {0} -> forwarded {1}")
    @CsvSource({
        // RFC 3261 22.3: credentials for our realm were for us and end here
        "example.test,     false",
        "EXAMPLE.TEST,     false",
        // credentials for a proxy further on go on
        "carrier.example,  true",
        // credentials naming no realm are not forwarded
        ",                 false",
    })
    void proxy_authorization(String realm, boolean forwarded) {
        assertThat(RequestRewriter.forwardsCredentials(realm, "example.test")).isEqualTo(forwarded);
    }
}
