package io.switchboard.conference.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.routing.GruuTargets;
import io.switchboard.sip.routing.ProxyIdentity;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.address.AddressFactory;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The focus's use of the node's SIP stack: responses, requests inside a {@link DialogSide}, and
 * client transactions whose final response (or timeout) goes to a callback. UDP only for now
 * (mixers are addressed over UDP; participants on TCP flows are answered in their transaction).
 */
final class Signalling {

    private static final Logger LOG = LoggerFactory.getLogger(Signalling.class);

    /** Marks our client transactions: the final response (null: timed out) goes to {@code onFinal}. */
    record Awaiting(Consumer<Response> onFinal) {}

    final SipProvider provider;
    final MessageFactory messages;
    final HeaderFactory headers;
    final AddressFactory addresses;
    final ProxyIdentity identity;
    private final GruuTargets gruus;

    /** @param gruus resolves a participant's Contact that is a GRUU of ours (RFC 5627 section 5.4) */
    Signalling(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity identity,
            GruuTargets gruus) {
        this.provider = provider;
        this.messages = messages;
        this.headers = headers;
        this.addresses = addresses;
        this.identity = identity;
        this.gruus = gruus;
    }

    static String newTag() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /** A response in {@code tx}; {@code toTag} is set when the To has none (any response above 100). */
    void answer(ServerTransaction tx, int status, String reason, String toTag, List<Header> extra) {
        try {
            Response response = messages.createResponse(status, tx.getRequest());
            if (reason != null) {
                response.setReasonPhrase(reason);
            }
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            if (status > 100 && to.getTag() == null) {
                to.setTag(toTag != null ? toTag : newTag());
            }
            if (status == Response.SERVICE_UNAVAILABLE) {
                response.addHeader(headers.createRetryAfterHeader(5));
            }
            extra.forEach(response::addHeader);
            tx.sendResponse(response);
        } catch (Exception e) {
            LOG.debug("Could not send {}: {}", status, e.toString());
        }
    }

    void answer(ServerTransaction tx, int status, String reason) {
        answer(tx, status, reason, null, List.of());
    }

    /**
     * The Record-Route this node puts on top of a 2xx that creates a participant's dialog with the
     * focus. The node is the proxy in front of its own focus (RFC 3261 section 16.6 step 4), as for
     * a proxied call: the participant sends its ACK, BYE and re-INVITEs to this node's address, or
     * with {@code sip.pool-fqdn} to the pool's name (any node), while the Contact stays the
     * conference URI with {@code isfocus} (RFC 4579 section 5.3), whose domain a phone need not be
     * able to resolve. Found with linphonec (interop/ConferenceInteropTest): without it, it sent its
     * ACK towards the conference URI's domain and the node retransmitted the 200 until it gave up.
     */
    javax.sip.header.RecordRouteHeader recordRoute(Request dialogCreating) throws java.text.ParseException {
        return headers.createRecordRouteHeader(addresses.createAddress(identity.recordRouteUri(
                ProxyIdentity.arrivalTransport(dialogCreating), "", identity.dialogSignature(dialogCreating))));
    }

    /** The node's own address with {@code user}: where the mixer sends its requests in our dialog with it. */
    String nodeContact(String user) {
        String host = identity.address().indexOf(':') >= 0 ? "[" + identity.address() + "]" : identity.address();
        return "sip:" + user + "@" + host + ":" + identity.port("udp");
    }

    /** A request of ours inside {@code d} (RFC 3261 section 12.2.1.1) with the next CSeq, over UDP. */
    Request inDialog(DialogSide d, String method, String contact) throws Exception {
        long seq = d.cseq.getAndIncrement();
        Runnable near = d.nearCeiling;
        if (near != null && seq + DialogRecords.BLOCK / 2 >= d.ceiling) {
            near.run(); // the next block is stored well before this one runs out
        }
        return inDialog(d, method, seq, contact);
    }

    Request inDialog(DialogSide d, String method, long seq, String contact) throws Exception {
        Request r = messages.createRequest(
                addresses.createURI(d.remoteTarget),
                method,
                headers.createCallIdHeader(d.callId),
                headers.createCSeqHeader(seq, method),
                headers.createFromHeader(addresses.createAddress(d.localUri), d.localTag),
                headers.createToHeader(addresses.createAddress(d.remoteUri), d.remoteTag),
                List.of(headers.createViaHeader(
                        identity.address(), identity.port("udp"), "udp", "z9hG4bKcf" + newTag())),
                headers.createMaxForwardsHeader(70));
        for (String route : d.routeSet) {
            r.addHeader(headers.createRouteHeader(addresses.createAddress(route)));
        }
        if (contact != null) {
            r.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
        }
        return r;
    }

    /**
     * Sends {@code request} in a new client transaction; its final response (null: timeout, or a
     * GRUU that leads nowhere) goes to {@code onFinal}. A Request-URI that is a GRUU of ours is
     * resolved first ({@link #toTarget}).
     */
    void send(Request request, Consumer<Response> onFinal) throws Exception {
        toTarget(request, r -> sendInTransaction(r, onFinal), () -> onFinal.accept(null));
    }

    /** A step that sends. */
    @FunctionalInterface
    interface Sending {
        void send(Request request) throws Exception;
    }

    /**
     * RFC 5627 section 5.4: a participant whose Contact is a GRUU of ours (linphone registers with
     * one) is reached through the GRUU's home proxy, which we are, so the focus resolves it to the
     * instance's binding as the proxy would: the binding's contact becomes the Request-URI, its
     * Path or flow route the Route, and a flow this node holds the next hop. A request with a route
     * set goes to its first hop as it is (RFC 3261 section 12.2.1.1). Anything else is sent as it
     * is; a GRUU without a binding is not sent ({@code unreachable}).
     */
    private void toTarget(Request request, Sending then, Runnable unreachable) throws Exception {
        if (request.getHeader(RouteHeader.NAME) != null) {
            then.send(request);
            return;
        }
        gruus.resolve(request.getRequestURI().toString()).whenComplete((resolution, failure) -> {
            try {
                if (failure == null && resolution instanceof GruuTargets.Resolved r) {
                    request.setRequestURI(addresses.createURI(r.requestUri()));
                    for (String route : r.routes()) {
                        request.addHeader(headers.createRouteHeader(addresses.createAddress(route)));
                    }
                    if (r.hop() != null) {
                        ((SIPMessage) request).setApplicationData(r.hop()); // ProxyRouter: into this connection
                        ViaHeader via = (ViaHeader) request.getHeader(ViaHeader.NAME);
                        via.setTransport(r.hop().transport());
                        via.setPort(identity.port(r.hop().transport()));
                    }
                    then.send(request);
                } else if (failure == null && resolution instanceof GruuTargets.NotOurs) {
                    then.send(request);
                } else {
                    LOG.debug(
                            "{} to {} not sent: {}",
                            request.getMethod(),
                            request.getRequestURI(),
                            failure != null ? failure.toString() : resolution);
                    unreachable.run();
                }
            } catch (Exception e) {
                LOG.debug("{} to {} not sent: {}", request.getMethod(), request.getRequestURI(), e.toString());
                unreachable.run();
            }
        });
    }

    /** As {@link #send}, returning the client transaction (to terminate it when its answer no longer matters). */
    ClientTransaction sendInTransaction(Request request, Consumer<Response> onFinal) throws Exception {
        ClientTransaction ct = provider.getNewClientTransaction(request);
        ct.setApplicationData(new Awaiting(onFinal));
        ct.sendRequest();
        return ct;
    }

    /** Sends a request without a transaction and without waiting (ACK for a 2xx, RFC 3261 section 13.2.2.4). */
    void sendStateless(Request request) throws Exception {
        toTarget(request, provider::sendRequest, () -> {});
    }

    /** True when {@code event} answers a request of the focus (the callback has run for a final response). */
    static boolean onResponse(ResponseEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Awaiting a) {
            if (event.getResponse().getStatusCode() >= 200) {
                a.onFinal().accept(event.getResponse());
            }
            return true;
        }
        return false;
    }

    static boolean onTimeout(TimeoutEvent event) {
        ClientTransaction ct = event.getClientTransaction();
        if (ct != null && ct.getApplicationData() instanceof Awaiting a) {
            a.onFinal().accept(null);
            return true;
        }
        return false;
    }
}
