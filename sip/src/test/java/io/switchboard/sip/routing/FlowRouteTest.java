package io.switchboard.sip.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Route into another node's flow (RFC 5626 section 5.3): the token in the user part, loose routing. */
class FlowRouteTest {

    @Test
    void ipv4_node() {
        assertThat(FlowRoute.to("tok2", new NextHop("10.0.0.2", 5060, "UDP")))
                .isEqualTo("sip:tok2@10.0.0.2:5060;transport=udp;lr");
    }

    @Test
    void ipv6_node_in_brackets() {
        // RFC 3261 section 25.1: an IPv6 reference in a SIP URI is bracketed
        assertThat(FlowRoute.to("tok2", new NextHop("2001:db8::2", 5070, "tcp")))
                .isEqualTo("sip:tok2@[2001:db8::2]:5070;transport=tcp;lr");
        assertThat(FlowRoute.to("tok2", new NextHop("[2001:db8::2]", 5070, "tcp")))
                .isEqualTo("sip:tok2@[2001:db8::2]:5070;transport=tcp;lr");
    }
}
