package io.switchboard.node.sip;

import io.switchboard.node.routing.RequestClassifier;
import io.switchboard.node.routing.RequestFacts;
import io.switchboard.presence.sip.PresenceSip;
import io.switchboard.proxy.sip.StatefulProxy;
import java.util.Locale;
import java.util.function.Predicate;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.FromHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;

/**
 * Reads a JAIN-SIP request into the {@link RequestFacts} that {@link RequestClassifier} decides
 * on. It exists so that the routing policy stays free of JAIN-SIP (its inputs are plain values
 * that table tests build) and so that what the front end reads off the message, such as a
 * {@code gr} parameter only on a proxied Request-URI, is one small mapping tested on raw request
 * text ({@code SipFrontEndTest}) rather than a part of the listener.
 */
final class RequestFactsReader {

    private RequestFactsReader() {}

    /**
     * The facts the routing policy decides on, read after loose routing.
     *
     * @param intoFlow whether loose routing steered the request into one of our flows
     * @param thisNode whether a URI names this node, or null when the request was not loose-routed
     *                 (REGISTER, CANCEL, unknown methods): only a proxied request's target matters
     */
    static RequestFacts factsOf(Request request, boolean intoFlow, Predicate<SipURI> thisNode) {
        return factsOf(request, intoFlow, thisNode, RequestFacts.OwnRoute.NONE);
    }

    /** @param ownRoute what the Routes of ours removed by loose routing prove about the request's dialog */
    static RequestFacts factsOf(
            Request request, boolean intoFlow, Predicate<SipURI> thisNode, RequestFacts.OwnRoute ownRoute) {
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        FromHeader from = (FromHeader) request.getHeader(FromHeader.NAME);
        return new RequestFacts(
                request.getMethod(),
                uriOf(request.getRequestURI(), thisNode),
                to == null ? null : uriOf(to.getAddress().getURI(), null),
                to != null && to.getTag() != null,
                from == null ? null : uriOf(from.getAddress().getURI(), null),
                PresenceSip.eventOf(request),
                intoFlow,
                request.getHeader(RouteHeader.NAME) != null,
                ownRoute);
    }

    /** What loose routing ({@link StatefulProxy#popOwnRoutes}) found, as the policy's {@link RequestFacts.OwnRoute}. */
    static RequestFacts.OwnRoute ownRoute(StatefulProxy.Routing routing) {
        if (routing.signedForDialog()) {
            return RequestFacts.OwnRoute.SIGNED;
        }
        return routing.hadOwnRoute() ? RequestFacts.OwnRoute.UNSIGNED : RequestFacts.OwnRoute.NONE;
    }

    /** @param thisNode non-null for the Request-URI of a proxied request: whether it names this node, or a GRUU, matters */
    private static RequestFacts.Uri uriOf(URI uri, Predicate<SipURI> thisNode) {
        if (!(uri instanceof SipURI s)) {
            return null;
        }
        boolean gruu = thisNode != null && (s.getParameter("gr") != null || UriParts.hasParameter(s, "gr"));
        return new RequestFacts.Uri(
                s.getUser(),
                s.getHost() == null ? null : s.getHost().toLowerCase(Locale.ROOT),
                thisNode != null && thisNode.test(s),
                gruu,
                gruu ? s.getParameter("gr") : null);
    }
}
