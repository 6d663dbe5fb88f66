package io.switchboard.node.routing;

import io.switchboard.node.routing.RequestAction.AckToGruu;
import io.switchboard.node.routing.RequestAction.Authenticate;
import io.switchboard.node.routing.RequestAction.BadEvent;
import io.switchboard.node.routing.RequestAction.Cancel;
import io.switchboard.node.routing.RequestAction.DropAck;
import io.switchboard.node.routing.RequestAction.ForwardAck;
import io.switchboard.node.routing.RequestAction.IntoFlow;
import io.switchboard.node.routing.RequestAction.Onward;
import io.switchboard.node.routing.RequestAction.OptionsToNode;
import io.switchboard.node.routing.RequestAction.PresencePublish;
import io.switchboard.node.routing.RequestAction.PresenceRefresh;
import io.switchboard.node.routing.RequestAction.PresenceSubscribe;
import io.switchboard.node.routing.RequestAction.Register;
import io.switchboard.node.routing.RequestAction.Reply;
import io.switchboard.node.routing.RequestAction.ToOutside;
import io.switchboard.node.routing.RequestAction.ToPool;
import io.switchboard.node.routing.RequestAction.ToUser;
import java.util.Collection;
import java.util.Set;

/**
 * The node's routing policy: which part of the pool handles a request, or which response it
 * gets at the edge. Pure (no SIP stack, no actors), so every branch has a row in
 * {@code RequestClassifierTest}; {@code io.switchboard.node.sip.SipFrontEnd} reads the facts off
 * the message and carries the answer out.
 *
 * <p>It lives in the pool node rather than in the proxy or presence module because it is the one
 * place that knows all three services a node offers (registrar, proxy, presence server) and
 * chooses between them.
 *
 * <p>REGISTER goes to the registrar for our domains only. Every other method we know is proxied
 * (RFC 3261 section 16): a request steered into one of our flows goes there, an in-dialog request
 * follows its Route set when a Record-Route this pool signed for its dialog was among the Routes
 * removed (else a To tag earns nothing: it is judged like an initial request), an initial request
 * from one of our domains is authenticated (407) and its From must be the authenticated user, and
 * it goes to the user's bindings or, for other domains, to the outbound proxy. Requests from other
 * domains may only reach our users (no open relay); an ACK is forwarded only along our signed
 * Record-Route (to the binding, when it is for a GRUU of ours) and otherwise dropped.
 * SUBSCRIBE and PUBLISH for presence to one of our users are served by the pool itself (on a branch
 * node: sent to the pool); OPTIONS to the node is answered here; methods nobody defined get 501.
 */
public final class RequestClassifier {

    /** The methods this node handles; anything else is 501 (RFC 3261 section 8.2.1). */
    public static final Set<String> KNOWN_METHODS = Set.of(
            "INVITE",
            "ACK",
            "BYE",
            "CANCEL",
            "OPTIONS",
            "REGISTER",
            "PRACK",
            "SUBSCRIBE",
            "NOTIFY",
            "PUBLISH",
            "INFO",
            "REFER",
            "MESSAGE",
            "UPDATE");
    /** The event package the pool serves itself (RFC 3856). */
    public static final String PRESENCE = "presence";
    /**
     * Event packages that users' endpoints serve themselves: SUBSCRIBEs for these are proxied to
     * the user's endpoints. The pool itself serves presence; any other package gets 489.
     */
    public static final Set<String> ENDPOINT_EVENTS = Set.of(
            "dialog",
            "message-summary",
            "conference",
            "kpml",
            "ua-profile",
            "refer",
            "as-feature-event",
            "line-seize",
            "call-info",
            "hold",
            "talk");

    private final Set<String> domains;
    /** A branch node: presence is the pool's, reached through {@code branch.pool-uri} ({@link ToPool}). */
    private final boolean branch;

    /** @param domains the domains this pool serves, lower-case */
    public RequestClassifier(Collection<String> domains) {
        this(domains, false);
    }

    /**
     * @param domains the domains this pool serves, lower-case
     * @param branch  whether this is a branch node (README, "Sites and branches"): it serves no presence itself and
     *                sends its users' presence SUBSCRIBEs and PUBLISHes to the pool, whose presence server is the
     *                one that holds every user's state and every watcher
     */
    public RequestClassifier(Collection<String> domains, boolean branch) {
        this.domains = Set.copyOf(domains);
        this.branch = branch;
    }

    /**
     * True for the requests whose Routes naming this node are removed (RFC 3261 section 16.4)
     * before {@link #classify}: everything that is proxied, including ACK. REGISTER, CANCEL and
     * methods we do not know are decided without loose routing.
     */
    public static boolean isLooseRouted(String method) {
        return KNOWN_METHODS.contains(method) && !"REGISTER".equals(method) && !"CANCEL".equals(method);
    }

    /** The first decision about a request; {@link Authenticate} is followed by {@link #authenticated}. */
    public RequestAction classify(RequestFacts r) {
        switch (r.method()) {
            case "ACK":
                return ack(r);
            case "REGISTER":
                return register(r);
            case "CANCEL":
                // RFC 3261 section 22.1: CANCEL cannot be challenged; it rides on the INVITE's fate.
                return new Cancel();
            default:
                return KNOWN_METHODS.contains(r.method()) ? route(r) : new Reply(501, null);
        }
    }

    /**
     * The decision once an initial request from one of our domains has authenticated as {@code aor}.
     * Any answer but a {@link Reply} means the request goes on (after our credentials are removed).
     */
    public RequestAction authenticated(RequestFacts r, String aor) {
        if (!aor.equals(r.from().aor())) {
            // The From identity must be the user who authenticated (RFC 3261 section 22.3).
            return new Reply(403, "From does not match the authenticated user");
        }
        if (r.moreRoutes()) {
            return new Onward(); // a preloaded Route set decides where it goes
        }
        RequestAction pool = servedByPool(r, aor, true);
        return pool != null ? pool : dispatch(r.requestUri(), true);
    }

    private RequestAction register(RequestFacts r) {
        RequestFacts.Uri to = r.to();
        if (to == null || to.user() == null || to.user().isEmpty()) {
            return new Reply(400, "To must be a sip: URI with a user part");
        }
        String domain = r.requestUri() == null ? null : r.requestUri().host();
        if (domain == null || !domains.contains(domain) || !domains.contains(to.host())) {
            // RFC 3261 section 10.3 step 1: we hold no bindings for other domains.
            return new Reply(403, "Domain not served here");
        }
        return new Register(to.host());
    }

    /**
     * ACKs to our own non-2xx finals are absorbed by the transaction layer; what reaches us is an
     * ACK for a 2xx, which follows the dialog's route set (RFC 3261 section 13.2.2.4), so it must
     * carry the Record-Route we signed for its dialog. It is never challenged (section 22.1) and
     * never answered (section 17.1.1.3), so anything else, which matches no transaction or dialog
     * we routed, is dropped: forwarding it would let anyone send ACKs anywhere from our address.
     */
    private RequestAction ack(RequestFacts r) {
        if (!r.inDialog()) {
            return new DropAck("no-to-tag");
        }
        return switch (r.ownRoute()) {
            case SIGNED -> ackAlongOurRoute(r);
            case UNSIGNED -> new DropAck("unsigned-route");
            case NONE -> new DropAck("no-route");
        };
    }

    /**
     * An ACK for a 2xx whose dialog we record-routed. With nothing left to route by (no further
     * Route, no flow token of ours), a Request-URI that is a GRUU of one of our domains names an
     * instance, not a host: the home proxy of the GRUU resolves it to that instance's binding (RFC
     * 5627 section 5.4), for the ACK as for the BYE. Everything else goes by its Route or
     * Request-URI (RFC 3261 section 16.12).
     */
    private RequestAction ackAlongOurRoute(RequestFacts r) {
        RequestFacts.Uri target = r.requestUri();
        if (!r.moreRoutes() && !r.intoFlow() && target != null && target.gruu() && servesAsUser(target)) {
            return new AckToGruu(target.user(), target.aor(), target.gr());
        }
        return new ForwardAck();
    }

    /** Everything but REGISTER, CANCEL and ACK, after loose routing: by dialog state and target. */
    private RequestAction route(RequestFacts r) {
        if (r.intoFlow()) {
            return new IntoFlow(); // a token only the pool can make (RFC 5626 section 5.3)
        }
        RequestFacts.Uri target = r.requestUri();
        if (target == null) {
            return new Reply(416, "Only sip: and sips: Request-URIs");
        }
        boolean moreRoutes = r.moreRoutes();
        boolean toUser = servesAsUser(target);
        if (!branch
                && r.inDialog()
                && !moreRoutes
                && "SUBSCRIBE".equals(r.method())
                && PRESENCE.equals(r.event())
                && (target.thisNode() || toUser)) {
            // a refresh or unsubscribe of one of our presence subscriptions (its To tag names it)
            return new PresenceRefresh();
        }
        if (r.inDialog() && (moreRoutes || !toUser) && r.ownRoute() == RequestFacts.OwnRoute.SIGNED) {
            // A dialog this pool record-routed (our signed Record-Route was removed): RFC 3261
            // section 16.12, the route set decides; nothing left to route means us.
            return !moreRoutes && target.thisNode() ? forNode(r.method()) : new Onward();
        }
        // From here on a To tag earns nothing: without our signed Record-Route anyone can write
        // one, so the request is judged like an initial one (our users authenticate, strangers
        // reach only our users).
        if (!moreRoutes && (target.thisNode() || target.user() == null)) {
            return forNode(r.method());
        }
        RequestFacts.Uri from = r.from();
        if (from == null || from.user() == null) {
            return new Reply(400, "From must be a sip: or sips: URI");
        }
        if (domains.contains(from.host())) {
            return new Authenticate(from.host());
        }
        if (!toUser || moreRoutes) {
            // Nobody of ours sent it and it is not for one of ours: we are no open relay.
            // A request with a To tag gets its own reason: RFC 3261 section 12.2.2's 481 is the
            // answer of a UAS that holds dialogs, and this proxy keeps none (it verifies its
            // signed Record-Route instead), so it cannot say the dialog does not exist, only that
            // it refuses to forward: 403 (section 21.4.4), as authenticating would not help a
            // requester who is no user of ours (section 16.3 leaves such policy to the proxy).
            return new Reply(403, r.inDialog() ? "Not a dialog of this pool" : "Relaying denied");
        }
        // From another domain to one of our users: nobody to challenge (the realm is not ours).
        RequestAction pool = servedByPool(r, from.aor(), false);
        return pool != null ? pool : dispatch(target, false);
    }

    /**
     * SUBSCRIBE and PUBLISH to one of our users are the pool's business, not the endpoints'
     * (RFC 3856: the presence server is the notifier; RFC 3903: it is the state compositor).
     * Returns null for what the proxy should forward.
     *
     * @param requester the authenticated user, or the From of a request from another domain
     */
    private RequestAction servedByPool(RequestFacts r, String requester, boolean authenticated) {
        RequestFacts.Uri target = r.requestUri();
        boolean subscribe = "SUBSCRIBE".equals(r.method());
        if (!servesAsUser(target) || !(subscribe || "PUBLISH".equals(r.method()))) {
            return null;
        }
        String event = r.event();
        if (subscribe && event != null && ENDPOINT_EVENTS.contains(event)) {
            return null; // dialog, message-summary, ...: the user's endpoints answer
        }
        if (branch) {
            // The pool serves presence for every user, this branch's included, and decides the package too (489);
            // a branch relays for its own users only (docs/architecture.md, rule 9).
            return authenticated
                    ? new ToPool()
                    : new Reply(403, "Presence is served by the pool, not by a branch node");
        }
        if (!PRESENCE.equals(event)) {
            return new BadEvent();
        }
        if (subscribe) {
            // Another domain's watcher: only a federated peer may watch (the front end checks the
            // source), else our users' presence would be anyone's and NOTIFYs go wherever the
            // Contact says (a reflector).
            return authenticated
                    ? new PresenceSubscribe(requester)
                    : new RequestAction.ForeignPresenceSubscribe(
                            requester, r.from().host());
        }
        String presentity = target.aor();
        if (!authenticated || !presentity.equals(requester)) {
            // RFC 3903 section 6 step 2: only the presentity itself may publish its state
            return new Reply(403, "Only the user may publish their own presence");
        }
        return new PresencePublish(presentity);
    }

    /**
     * An initial request that may go on and has no Route left: to a user of ours, or out.
     *
     * @param authenticated whether the requester authenticated as one of our users: only they may
     *     tell a non-existent user from an unreachable one
     */
    private RequestAction dispatch(RequestFacts.Uri target, boolean authenticated) {
        if (servesAsUser(target)) {
            // RFC 5627: a GRUU reaches exactly one instance of the user.
            return new ToUser(
                    target.user(), target.aor(), target.gruu(), target.gruu() ? target.gr() : null, authenticated);
        }
        return new ToOutside();
    }

    /** A request addressed to this node itself rather than to a user: only OPTIONS means anything. */
    private static RequestAction forNode(String method) {
        return "OPTIONS".equals(method) ? new OptionsToNode() : new Reply(404, "No user in the Request-URI");
    }

    private boolean servesAsUser(RequestFacts.Uri uri) {
        return uri.user() != null && !uri.user().isEmpty() && domains.contains(uri.host());
    }
}
