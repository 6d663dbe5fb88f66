package io.switchboard.park.sip;

import gov.nist.javax.sip.message.SIPMessage;
import io.switchboard.sip.routing.NextHop;
import io.switchboard.sip.routing.ProxyIdentity;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.sip.ClientTransaction;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.address.AddressFactory;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the park B2BUA's parts share of the SIP stack: the factories and the provider, our own
 * Contact, tags and branches, answering a server transaction and sending a request inside a
 * {@link Leg}. Set once, after the stack exists.
 */
final class SipKit {

    private static final Logger LOG = LoggerFactory.getLogger(SipKit.class);

    /**
     * Tags and branches come from a SecureRandom: an in-dialog request to a park dialog is matched
     * by Call-ID and tags (RFC 3261 section 12.2.2), so a tag must not be guessable from others
     * (section 19.3 asks for 32 random bits; we use 128).
     */
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Marks a client transaction of ours: its final response (null: timed out) goes to {@code onFinal}. */
    record Awaiting(Consumer<Response> onFinal) {}

    final String parkUri;
    volatile SipProvider provider;
    volatile MessageFactory messages;
    volatile HeaderFactory headers;
    volatile AddressFactory addresses;
    volatile ProxyIdentity identity;

    SipKit(String parkUri) {
        this.parkUri = parkUri;
    }

    void attach(
            SipProvider sipProvider,
            MessageFactory messageFactory,
            HeaderFactory headerFactory,
            AddressFactory addressFactory,
            ProxyIdentity proxyIdentity) {
        this.provider = sipProvider;
        this.messages = messageFactory;
        this.headers = headerFactory;
        this.addresses = addressFactory;
        this.identity = proxyIdentity;
    }

    /** A dialog tag (our To tag as UAS, our From tag as UAC): 128 unguessable bits. */
    static String newTag() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** An RFC 3261 section 8.1.1.7 branch with the magic cookie. */
    static String newBranch() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "z9hG4bKpk" + HexFormat.of().formatHex(b);
    }

    /** Our Contact: the park service's user part at this node's UDP address. */
    String ownContact() {
        String host = identity.address().indexOf(':') >= 0 ? "[" + identity.address() + "]" : identity.address();
        String user = userOf(parkUri);
        return "sip:" + (user.isEmpty() ? "" : user + "@") + host + ":" + identity.port("udp");
    }

    /** A final or provisional response without a body; a To tag is added when it has none. */
    void answer(ServerTransaction tx, int status, String reason, List<Header> extra) {
        try {
            Response response = messages.createResponse(status, tx.getRequest());
            if (reason != null) {
                response.setReasonPhrase(reason);
            }
            if (status > 100 && ((ToHeader) response.getHeader(ToHeader.NAME)).getTag() == null) {
                ((ToHeader) response.getHeader(ToHeader.NAME)).setTag(newTag());
            }
            if (status == Response.SERVICE_UNAVAILABLE) {
                response.addHeader(headers.createRetryAfterHeader(5));
            }
            if (extra != null) {
                extra.forEach(response::addHeader);
            }
            tx.sendResponse(response);
        } catch (Exception e) {
            LOG.debug("Could not send {}: {}", status, e.toString());
        }
    }

    /**
     * A 200 to an INVITE with our tag, Contact and {@code sdp}: the UAS copies the Record-Route set
     * into its 2xx (RFC 3261 section 12.1.1). Null when it could not be sent.
     */
    Response ok(ServerTransaction tx, Request request, String localTag, byte[] sdp) {
        return ok(tx, request, localTag, sdp, null);
    }

    /** As above, with the parked caller's {@code identity} (P-Asserted-Identity) when not null. */
    Response ok(ServerTransaction tx, Request request, String localTag, byte[] sdp, String identity) {
        try {
            Response ok = messages.createResponse(Response.OK, request);
            ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(localTag);
            var rr = request.getHeaders("Record-Route");
            while (rr.hasNext()) {
                ok.addHeader((Header) rr.next());
            }
            ok.addHeader(headers.createContactHeader(addresses.createAddress(ownContact())));
            if (identity != null) {
                ok.addHeader(headers.createHeader("P-Asserted-Identity", identity));
            }
            if (sdp != null && sdp.length > 0) {
                ok.setContent(sdp, headers.createContentTypeHeader("application", "sdp"));
            }
            tx.sendResponse(ok);
            return ok;
        } catch (Exception e) {
            LOG.warn("200 for {} not sent: {}", request.getRequestURI(), e.toString());
            return null;
        }
    }

    /** A request of ours inside {@code leg} with its next CSeq. */
    Request inLeg(Leg leg, String method) throws Exception {
        return inLeg(leg, method, leg.cseq.getAndIncrement());
    }

    /** A request of ours inside {@code leg} (RFC 3261 section 12.2.1.1), over UDP. */
    Request inLeg(Leg leg, String method, long seq) throws Exception {
        Request r = messages.createRequest(
                addresses.createURI(leg.remoteTarget),
                method,
                headers.createCallIdHeader(leg.callId),
                headers.createCSeqHeader(seq, method),
                headers.createFromHeader(addresses.createAddress(leg.localUri), leg.localTag),
                headers.createToHeader(addresses.createAddress(leg.remoteUri), leg.remoteTag),
                List.of(headers.createViaHeader(identity.address(), identity.port("udp"), "udp", newBranch())),
                headers.createMaxForwardsHeader(70));
        for (String route : leg.routeSet) {
            r.addHeader(headers.createRouteHeader(addresses.createAddress(route)));
        }
        r.addHeader(headers.createContactHeader(addresses.createAddress(ownContact())));
        return r;
    }

    /** Sends {@code request} in a new client transaction; its final response (null: none) goes to {@code onFinal}. */
    ClientTransaction send(Request request, Consumer<Response> onFinal) throws Exception {
        ClientTransaction ct = provider.getNewClientTransaction(request);
        ct.setApplicationData(new Awaiting(onFinal));
        ct.sendRequest();
        return ct;
    }

    /** Sends {@code request} into the connection {@code hop} (pool-node's router reads it), or by its URI when null. */
    static void via(Request request, NextHop hop) {
        if (hop != null) {
            ((SIPMessage) request).setApplicationData(hop);
        }
    }

    /** RFC 3261 section 13.2.2.4: the ACK for a 2xx is ours to send, with the INVITE's CSeq number. */
    void ack(Leg leg, Response ok) {
        try {
            long seq = ((javax.sip.header.CSeqHeader) ok.getHeader("CSeq")).getSeqNumber();
            provider.sendRequest(inLeg(leg, Request.ACK, seq));
        } catch (Exception e) {
            LOG.info("ACK to {} not sent: {}", leg.remoteTarget, e.toString());
        }
    }

    /** A BYE in {@code leg}, its answer ignored. */
    void bye(Leg leg) {
        try {
            send(inLeg(leg, Request.BYE), response -> {});
        } catch (Exception e) {
            LOG.info("BYE to {} not sent: {}", leg.remoteTarget, e.toString());
        }
    }

    static String body(Request request) {
        byte[] raw = request.getRawContent();
        return raw == null ? null : new String(raw, StandardCharsets.UTF_8);
    }

    static String hostOf(String uri) {
        int at = uri.lastIndexOf('@');
        return at < 0 ? "" : uri.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    static String userOf(String uri) {
        int colon = uri.indexOf(':');
        int at = uri.lastIndexOf('@');
        return colon >= 0 && at > colon ? uri.substring(colon + 1, at) : "";
    }
}
