package io.switchboard.node.routing;

/**
 * What {@link RequestClassifier} needs to know about a request, read off the SIP message by the
 * front end: no parsing happens here, so the routing policy can be tested with plain values.
 *
 * @param method     the request method, as sent (methods are case-sensitive, RFC 3261 section 7.1)
 * @param requestUri the Request-URI, or null when it is not a sip: or sips: URI (tel:, urn:, ...)
 * @param to         the To URI, or null when it is not a sip: or sips: URI
 * @param inDialog   true when the To header has a tag (RFC 3261 section 12.2)
 * @param from       the From URI, or null when it is not a sip: or sips: URI
 * @param event      the Event package, lower-case without parameters, or null when there is no Event header
 * @param intoFlow   true when a Route of ours with a flow token steered the request into one of this
 *                   node's flows (RFC 5626 section 5.3); only known after loose routing
 * @param moreRoutes true when a Route header is left after our own Routes were removed (RFC 3261 section 16.4)
 * @param ownRoute   what the Routes of ours that loose routing removed prove about the request's dialog
 */
public record RequestFacts(
        String method,
        Uri requestUri,
        Uri to,
        boolean inDialog,
        Uri from,
        String event,
        boolean intoFlow,
        boolean moreRoutes,
        OwnRoute ownRoute) {

    /** Facts of a request from which loose routing removed no Route of ours. */
    public RequestFacts(
            String method,
            Uri requestUri,
            Uri to,
            boolean inDialog,
            Uri from,
            String event,
            boolean intoFlow,
            boolean moreRoutes) {
        this(method, requestUri, to, inDialog, from, event, intoFlow, moreRoutes, OwnRoute.NONE);
    }

    /** The Routes naming this node that loose routing removed (RFC 3261 section 16.4). */
    public enum OwnRoute {
        /** none (or the request was not loose-routed) */
        NONE,
        /**
         * some, but none carries the pool's signature for this request's dialog: a client's
         * outbound proxy setting, or a Route an attacker wrote
         */
        UNSIGNED,
        /** at least one is a Record-Route this pool inserted for this request's dialog */
        SIGNED
    }

    /**
     * A sip: or sips: URI as far as routing cares.
     *
     * @param user     the user part as sent, or null when there is none
     * @param host     the host, lower-case
     * @param thisNode true when the URI names this node itself (its address and one of its ports,
     *                 or one of our domains without a user part), as the proxy's identity decides
     * @param gruu     true when the URI has a {@code gr} parameter (RFC 5627 section 3.1)
     * @param gr       the {@code gr} parameter's value, or null when it has none
     */
    public record Uri(String user, String host, boolean thisNode, boolean gruu, String gr) {

        /** A URI that is not this node and no GRUU. */
        public static Uri of(String user, String host) {
            return new Uri(user, host, false, false, null);
        }

        /** {@code sip:user@host}, the form an address-of-record is compared in. */
        public String aor() {
            return "sip:" + user + "@" + host;
        }
    }
}
