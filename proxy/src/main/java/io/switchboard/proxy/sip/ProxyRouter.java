package io.switchboard.proxy.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.DefaultRouter;
import gov.nist.javax.sip.stack.HopImpl;
import io.switchboard.sip.routing.NextHop;
import java.util.ListIterator;
import javax.sip.SipException;
import javax.sip.SipStack;
import javax.sip.address.Hop;
import javax.sip.address.Router;
import javax.sip.message.Request;

/**
 * The RI's next-hop choice with one addition: a request carrying a {@link NextHop} as its
 * application data goes there, whatever its Route and Request-URI say. That is how a request is
 * sent into an existing flow (RFC 5626 section 5.3): the RI reuses the open connection to the
 * client's address and port, so the request travels on the connection the client registered over.
 *
 * <p>Installed with {@code javax.sip.ROUTER_PATH} and {@code javax.sip.USE_ROUTER_FOR_ALL_URIS=true}
 * (see {@link #STACK_PROPERTIES}); the RI builds it by reflection with this constructor.
 */
public final class ProxyRouter implements Router {

    /** Stack properties that install this router and the {@link StrayResponseValve}. */
    public static final java.util.Map<String, String> STACK_PROPERTIES = java.util.Map.of(
            "javax.sip.ROUTER_PATH", ProxyRouter.class.getName(),
            "javax.sip.USE_ROUTER_FOR_ALL_URIS", "true",
            "gov.nist.javax.sip.SIP_MESSAGE_VALVE", StrayResponseValve.class.getName());

    private final DefaultRouter standard;

    public ProxyRouter(SipStack stack, String outboundProxy) {
        this.standard = new DefaultRouter(stack, outboundProxy);
    }

    @Override
    public Hop getNextHop(Request request) throws SipException {
        if (((SIPMessage) request).getApplicationData() instanceof NextHop h) {
            return new HopImpl(h.host(), h.port(), h.transport());
        }
        return standard.getNextHop(request);
    }

    @Override
    public Hop getOutboundProxy() {
        return standard.getOutboundProxy();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public ListIterator getNextHops(Request request) {
        return standard.getNextHops(request);
    }
}
