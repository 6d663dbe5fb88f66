package io.switchboard.presence.sip;

import io.switchboard.presence.domain.EdgeRefusal;
import io.switchboard.sip.routing.ProxyIdentity;
import io.switchboard.sip.stack.AnsweredRequests;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import javax.sip.ServerTransaction;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the presence edge answers a request: the one response per server transaction, its To tag,
 * and the headers every answer of a kind carries (Retry-After on 503, Allow-Events on 489, our
 * Contact on a 200 to SUBSCRIBE). Kept apart from {@link PresenceSip}, which decides what to
 * answer, so that the SUBSCRIBE and PUBLISH paths there read as decisions, and the SIP message
 * mechanics (JAIN-SIP factories, the request's release) live in one place.
 */
final class SipReplies {

    private static final Logger LOG = LoggerFactory.getLogger(SipReplies.class);

    private final ProxyIdentity self;
    private final MessageFactory messages;
    private final HeaderFactory headers;

    SipReplies(ProxyIdentity self, MessageFactory messages, HeaderFactory headers) {
        this.self = self;
        this.messages = messages;
        this.headers = headers;
    }

    /**
     * Our Contact for a subscription dialog, on the transport the request arrived on: this node, or
     * the pool name when one is set (ProxyIdentity#contactUri), so refreshes reach any node.
     */
    Header contactHeader(Request request) {
        return header("Contact", "<" + self.contactUri(ProxyIdentity.arrivalTransport(request)) + ">");
    }

    Header header(String name, String value) {
        try {
            return headers.createHeader(name, value);
        } catch (ParseException e) {
            throw new IllegalArgumentException(name + ": " + value, e);
        }
    }

    /** A refusal the edge decided itself, with the headers the rule asked for. */
    void refuse(ServerTransaction tx, Request request, EdgeRefusal refusal) {
        List<Header> extra = new ArrayList<>();
        refusal.headers().forEach((name, value) -> extra.add(header(name, value)));
        reply(tx, request, refusal.status(), refusal.reason(), null, extra);
    }

    /** An entity or the store did not answer: a temporary condition, so 503 with Retry-After. */
    void unavailable(ServerTransaction tx, Request request) {
        reply(
                tx,
                request,
                Response.SERVICE_UNAVAILABLE,
                "Presence temporarily unavailable",
                null,
                List.of(header("Retry-After", "5")));
    }

    /**
     * Sends the response and releases the request.
     *
     * @param toTag the dialog's local tag (a subscription's), or null for a response that makes no
     *              dialog
     */
    void reply(ServerTransaction tx, Request request, int status, String reason, String toTag, List<Header> extra) {
        try {
            Response response = messages.createResponse(status, request);
            if (reason != null) {
                response.setReasonPhrase(reason);
            }
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            if (toTag != null) {
                to.setTag(toTag);
            } else if (to.getTag() == null) {
                // RFC 3261 section 8.2.6.2: a UAS adds a To tag to its response to a request
                // without one (PUBLISH, a refused SUBSCRIBE). No dialog follows, so this tag is no
                // credential (unlike a subscription's, PresenceSip.newTag) and need not be unguessable
                to.setTag(Long.toHexString(
                        java.util.concurrent.ThreadLocalRandom.current().nextLong()));
            }
            if (status == Response.BAD_EVENT) {
                response.addHeader(header("Allow-Events", PresenceSip.EVENT));
            }
            for (Header h : extra) {
                response.setHeader(h);
            }
            tx.sendResponse(response);
        } catch (Exception e) {
            LOG.debug("Could not send {} to {}: {}", status, request.getMethod(), e.toString());
        }
        AnsweredRequests.release(request);
    }
}
