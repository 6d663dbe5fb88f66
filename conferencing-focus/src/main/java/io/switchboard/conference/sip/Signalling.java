package io.switchboard.conference.sip;

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
import javax.sip.header.ToHeader;
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

    Signalling(
            SipProvider provider,
            MessageFactory messages,
            HeaderFactory headers,
            AddressFactory addresses,
            ProxyIdentity identity) {
        this.provider = provider;
        this.messages = messages;
        this.headers = headers;
        this.addresses = addresses;
        this.identity = identity;
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

    /** Sends {@code request} in a new client transaction; its final response (null: timeout) goes to {@code onFinal}. */
    void send(Request request, Consumer<Response> onFinal) throws Exception {
        sendInTransaction(request, onFinal);
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
        provider.sendRequest(request);
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
