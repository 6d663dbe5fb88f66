package io.switchboard.proxy.sip;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.proxy.domain.LoopDetection;
import io.switchboard.proxy.domain.LoopGuard;
import io.switchboard.sip.flow.FlowTokens;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.routing.RecordRouteSigner;
import java.util.Map;
import java.util.Set;
import javax.sip.SipFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;

/**
 * The glue between JAIN-SIP requests and {@link LoopGuard}: a request we forwarded that reaches us
 * again as it left is a loop (482), changed it is a spiral (RFC 3261 section 16.3 step 4), with
 * the Vias read from the message as the RI parses it off the wire.
 */
class RequestViewsTest {

    private static final ProxyIdentity SELF = new ProxyIdentity(
            "node-1",
            "10.0.0.1",
            Map.of("udp", 5060),
            Set.of("example.test"),
            new FlowTokens(new byte[32]),
            new RecordRouteSigner(new byte[32]));

    private final MessageFactory messages;
    private final HeaderFactory headers;

    RequestViewsTest() throws Exception {
        messages = SipFactory.getInstance().createMessageFactory();
        headers = SipFactory.getInstance().createHeaderFactory();
    }

    @Test
    void the_request_we_forwarded_coming_back_unchanged_is_a_loop_and_retargeted_a_spiral() throws Exception {
        Request received = invite("sip:bob@example.test", "Max-Forwards: 70\r\n");
        LoopGuard.Forward forward = (LoopGuard.Forward) check(received);
        assertThat(forward.maxForwards()).isEqualTo(69);

        // what we sent: our Via on top, with the loop hash in its branch (section 16.6 step 8)
        Request sent = (Request) received.clone();
        sent.addFirst(headers.createViaHeader("10.0.0.1", 5060, "udp", LoopDetection.branch(forward.loopHash(), "7f")));
        Request back = messages.createRequest(sent.toString());
        assertThat(check(back)).isEqualTo(new LoopGuard.Refuse(482));

        back.setRequestURI(SipFactory.getInstance().createAddressFactory().createURI("sip:bob@192.0.2.9"));
        assertThat(check(back)).as("retargeted on the way: a spiral").isInstanceOf(LoopGuard.Forward.class);
    }

    @Test
    void another_hops_via_with_our_kind_of_branch_is_not_ours() throws Exception {
        Request received = invite("sip:bob@example.test", "");
        LoopGuard.Forward forward = (LoopGuard.Forward) check(received);
        assertThat(forward.maxForwards())
                .as("absent Max-Forwards: we add 70 (section 16.6 step 3)")
                .isEqualTo(70);
        Request other = (Request) received.clone();
        other.addFirst(
                headers.createViaHeader("10.0.0.2", 5060, "udp", LoopDetection.branch(forward.loopHash(), "7f")));
        assertThat(check(messages.createRequest(other.toString()))).isInstanceOf(LoopGuard.Forward.class);
    }

    @Test
    void max_forwards_and_dialog_state_as_read() throws Exception {
        assertThat(RequestViews.maxForwards(invite("sip:bob@example.test", "Max-Forwards: 0\r\n")))
                .isZero();
        assertThat(RequestViews.maxForwards(invite("sip:bob@example.test", ""))).isEqualTo(-1);
        assertThat(check(invite("sip:bob@example.test", "Max-Forwards: 0\r\n"))).isEqualTo(new LoopGuard.Refuse(483));
        assertThat(RequestViews.isInitial(invite("sip:bob@example.test", ""))).isTrue();
        Request inDialog = invite("sip:bob@example.test", "");
        ((javax.sip.header.ToHeader) inDialog.getHeader("To")).setTag("totag");
        assertThat(RequestViews.isInitial(inDialog)).isFalse();
    }

    private static LoopGuard.Verdict check(Request request) {
        return LoopGuard.check(
                RequestViews.maxForwards(request), RequestViews.loopKey(request), RequestViews.vias(request, SELF));
    }

    private Request invite(String requestUri, String maxForwards) throws Exception {
        return messages.createRequest("INVITE " + requestUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
                + maxForwards
                + "To: <sip:bob@example.test>\r\n"
                + "From: <sip:alice@example.test>;tag=456248\r\n"
                + "Call-ID: 843817637684230@998sdasdh09\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:alice@192.0.2.1:5060>\r\n"
                + "Content-Length: 0\r\n\r\n");
    }
}
