package io.switchboard.proxy.domain;

import io.switchboard.sip.routing.NextHop;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the proxy changes in a request it forwards (RFC 3261 section 16.6), as a plan of edits the
 * adapter applies to the SIP message: the new Request-URI, Max-Forwards, our Record-Route(s), the
 * Routes to push, and where to send it. Also the smaller decisions around it: whether a request
 * is record-routed, which transport a next hop implies, what becomes of a Route of ours, and which
 * Proxy-Authorization credentials go on.
 */
public final class RequestRewriter {

    /** Methods that may create a dialog: we Record-Route them so the dialog's requests pass us (section 16.6 step 4). */
    private static final Set<String> DIALOG_CREATING = Set.of("INVITE", "SUBSCRIBE", "REFER", "NOTIFY");

    private RequestRewriter() {}

    /**
     * The edits that make one branch's copy of the request.
     *
     * @param requestUri  section 16.6 step 2: the target's URI
     * @param maxForwards section 16.6 step 3
     * @param routes      section 16.6 step 6: Route values to push on top of the request's, first hop first
     * @param hop         send over this flow or to this address whatever Route and Request-URI say, or null
     */
    public record BranchCopy(String requestUri, int maxForwards, List<String> routes, NextHop hop) {

        public BranchCopy {
            routes = List.copyOf(routes);
        }
    }

    /** Section 16.6 step 4 with 12.1.1: only an initial request of a dialog-creating method is record-routed. */
    public static boolean isRecordRouted(String method, boolean initial) {
        return initial && DIALOG_CREATING.contains(method);
    }

    /** @param maxForwards the value {@link LoopGuard} decided */
    public static BranchCopy branch(Target target, int maxForwards) {
        return new BranchCopy(target.requestUri(), maxForwards, target.routes(), target.hop());
    }

    /**
     * Section 16.6 step 4: the Record-Route values to add to a branch, top first.
     *
     * @param inbound  our Record-Route on the side the request came from, or null when the request
     *                 is not record-routed
     * @param outbound our Record-Route on the side the branch leaves by (its transport, and its flow
     *                 token when it leaves over one of our client flows)
     */
    public static List<String> recordRoutes(String inbound, String outbound) {
        if (inbound == null) {
            return List.of();
        }
        // Different transports (or flows) on each side need one Record-Route per side, so each
        // party's route set leads back the right way.
        return outbound.equals(inbound) ? List.of(inbound) : List.of(outbound, inbound);
    }

    /**
     * The transport towards a next hop URI (RFC 3263 section 4.1 defaults): its transport parameter,
     * else TLS for a SIPS URI, else UDP.
     *
     * @param transportParam the URI's {@code transport} parameter, or null
     */
    public static String transport(String transportParam, boolean sips) {
        if (transportParam != null) {
            return transportParam.toLowerCase(Locale.ROOT);
        }
        return sips ? "tls" : "udp";
    }

    /**
     * A Route of ours with a flow token (RFC 5626 section 5.3): it steers the request into that
     * flow when the flow is held by this node and is not the connection the request came in on (a
     * token of the arrival connection just marks the way back out, and a flow of another node is
     * that node's business: the request goes on by its next Route).
     *
     * @param flowNode the node holding the token's flow, or null when the token is not one of ours
     */
    public static boolean steersIntoFlow(String flowNode, String selfNode, boolean arrivedOnFlow) {
        return flowNode != null && flowNode.equals(selfNode) && !arrivedOnFlow;
    }

    /**
     * RFC 3261 section 22.3: Proxy-Authorization credentials for our realm were consumed here and
     * are removed, as are credentials naming no realm; credentials for another realm go on to the
     * proxy that asked for them.
     */
    public static boolean forwardsCredentials(String credentialsRealm, String ourRealm) {
        return credentialsRealm != null && !ourRealm.equalsIgnoreCase(credentialsRealm);
    }
}
