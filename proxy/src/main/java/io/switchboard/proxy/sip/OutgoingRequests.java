package io.switchboard.proxy.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.proxy.domain.LoopDetection;
import io.switchboard.proxy.domain.MaxForwards;
import io.switchboard.proxy.domain.RequestRewriter;
import io.switchboard.proxy.domain.Target;
import io.switchboard.proxy.sip.ForkContext.Branch;
import io.switchboard.sip.routing.ProxyIdentity;
import java.text.ParseException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.ClientTransaction;
import javax.sip.InvalidArgumentException;
import javax.sip.SipException;
import javax.sip.SipProvider;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.HeaderFactory;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RouteHeader;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the requests the proxy sends downstream: each branch's copy of a proxied request, with the
 * edits {@link RequestRewriter} plans (RFC 3261 section 16.6), and the 2xx ACKs it forwards
 * statelessly.
 */
final class OutgoingRequests {

    private static final Logger LOG = LoggerFactory.getLogger(OutgoingRequests.class);

    private final SipProvider provider;
    private final HeaderFactory headers;
    private final AddressFactory addresses;
    private final ProxyIdentity self;

    OutgoingRequests(SipProvider provider, HeaderFactory headers, AddressFactory addresses, ProxyIdentity self) {
        this.provider = provider;
        this.headers = headers;
        this.addresses = addresses;
        this.self = self;
    }

    /** The client transaction of a branch, not yet sent (section 16.6 steps 1-10). */
    ClientTransaction branch(ForkContext ctx, Branch branch)
            throws ParseException, InvalidArgumentException, SipException {
        Target target = branch.target;
        Request copy = (Request) ctx.request.clone();
        RequestRewriter.BranchCopy edits = RequestRewriter.branch(target, ctx.maxForwards);
        copy.setRequestURI(addresses.createURI(edits.requestUri()));
        setMaxForwards(copy, edits.maxForwards());
        // after the new Request-URI: with no Route, it is the next hop
        String transport = edits.hop() != null ? edits.hop().transport() : transportTowards(copy, edits.routes());
        // the signature (an HMAC) only for requests that are record-routed
        List<String> recordRoutes = ctx.inboundRecordRoute == null
                ? List.of()
                : RequestRewriter.recordRoutes(
                        ctx.inboundRecordRoute,
                        self.recordRouteUri(transport, target.outboundToken(), self.dialogSignature(ctx.request)));
        for (int i = recordRoutes.size() - 1; i >= 0; i--) {
            copy.addFirst(headers.createRecordRouteHeader(addresses.createAddress(recordRoutes.get(i))));
        }
        for (int i = edits.routes().size() - 1; i >= 0; i--) {
            copy.addFirst(headers.createRouteHeader(
                    addresses.createAddress(edits.routes().get(i))));
        }
        copy.addFirst(headers.createViaHeader(
                self.address(),
                self.port(transport),
                transport,
                LoopDetection.branch(
                        ctx.loopHash,
                        Long.toHexString(ThreadLocalRandom.current().nextLong()))));
        if (edits.hop() != null) {
            ((SIPMessage) copy).setApplicationData(edits.hop());
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug(
                    "{} {} -> branch {} via {} hop {} routes {}",
                    self.nodeId(),
                    copy.getMethod(),
                    target.requestUri(),
                    transport,
                    target.hop(),
                    target.routes());
        }
        return provider.getNewClientTransaction(copy);
    }

    /**
     * An ACK for a 2xx (end to end, section 13.2.2.4), forwarded statelessly along its Route or
     * into the flow a Route of ours named.
     */
    void forwardAck(Request ack, StatefulProxy.Routing routing) {
        try {
            MaxForwardsHeader mf = (MaxForwardsHeader) ack.getHeader(MaxForwardsHeader.NAME);
            int next = MaxForwards.next(mf == null ? -1 : mf.getMaxForwards());
            if (next < 0) {
                return;
            }
            setMaxForwards(ack, next);
            String transport = routing.intoFlow() ? routing.flow().transport() : transportTowards(ack, List.of());
            ack.addFirst(headers.createViaHeader(
                    self.address(),
                    self.port(transport),
                    transport,
                    "z9hG4bKsa" + Long.toHexString(ThreadLocalRandom.current().nextLong())));
            if (routing.intoFlow()) {
                ((SIPMessage) ack).setApplicationData(routing.flow());
            }
            provider.sendRequest(ack);
        } catch (Exception e) {
            LOG.debug("Could not forward ACK: {}", e.toString());
        }
    }

    /**
     * An ACK for a 2xx retargeted to {@code target}, the binding its GRUU names (RFC 5627 section
     * 5.4): the binding's contact as Request-URI, its Path (or the flow route through the node
     * that holds its connection) as Route, into its flow when it has one here (section 16.6 of
     * RFC 3261), sent statelessly like any 2xx ACK.
     */
    void forwardAck(Request ack, Target target) {
        try {
            int next = MaxForwards.next(maxForwardsOf(ack));
            if (next < 0) {
                return;
            }
            RequestRewriter.BranchCopy edits = RequestRewriter.branch(target, next);
            ack.setRequestURI(addresses.createURI(edits.requestUri()));
            setMaxForwards(ack, edits.maxForwards());
            for (int i = edits.routes().size() - 1; i >= 0; i--) {
                ack.addFirst(headers.createRouteHeader(
                        addresses.createAddress(edits.routes().get(i))));
            }
            String transport = edits.hop() != null ? edits.hop().transport() : transportTowards(ack, List.of());
            ack.addFirst(headers.createViaHeader(
                    self.address(),
                    self.port(transport),
                    transport,
                    "z9hG4bKsa" + Long.toHexString(ThreadLocalRandom.current().nextLong())));
            if (edits.hop() != null) {
                ((SIPMessage) ack).setApplicationData(edits.hop());
            }
            provider.sendRequest(ack);
        } catch (Exception e) {
            LOG.debug("Could not forward ACK to {}: {}", target.requestUri(), e.toString());
        }
    }

    private static int maxForwardsOf(Request request) {
        MaxForwardsHeader mf = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        return mf == null ? -1 : mf.getMaxForwards();
    }

    /** The transport of the next hop: the first Route's, else the Request-URI's (RFC 3263 defaults). */
    private String transportTowards(Request request, List<String> routes) {
        try {
            URI next;
            if (!routes.isEmpty()) {
                next = addresses.createAddress(routes.get(0)).getURI();
            } else {
                RouteHeader route = (RouteHeader) request.getHeader(RouteHeader.NAME);
                next = route != null ? route.getAddress().getURI() : request.getRequestURI();
            }
            if (next instanceof SipURI s) {
                return RequestRewriter.transport(s.getTransportParam(), s.isSecure());
            }
        } catch (ParseException e) {
            LOG.debug("Unparsable route {}: {}", routes, e.toString());
        }
        return "udp";
    }

    private void setMaxForwards(Request request, int value) throws InvalidArgumentException {
        MaxForwardsHeader mf = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        if (mf == null) {
            request.setHeader(headers.createMaxForwardsHeader(value));
        } else {
            mf.setMaxForwards(value);
        }
    }
}
