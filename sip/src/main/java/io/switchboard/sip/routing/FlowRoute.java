package io.switchboard.sip.routing;

/**
 * The Route that steers a request into a flow held by another node: {@code
 * sip:TOKEN@host:port;transport=t;lr}. The node recognises the Route as its own, reads the flow
 * token in its user part and sends the request into that connection (RFC 5626 section 5.3, as
 * with a Path of RFC 3327). The proxy uses it for calls, presence for NOTIFYs.
 */
public final class FlowRoute {

    private FlowRoute() {}

    /** @param node the SIP address of the node holding the flow ({@link PoolMembers#nodeHolding}) */
    public static String to(String token, NextHop node) {
        return "sip:" + token + "@" + hostForUri(node.host()) + ":" + node.port() + ";transport=" + node.transport()
                + ";lr";
    }

    /** An IPv6 address in brackets, as a SIP URI's host part needs it (RFC 3261 section 25.1). */
    static String hostForUri(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
