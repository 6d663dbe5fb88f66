package io.switchboard.node.routing;

/**
 * What the node's SIP front end does with a request, as {@link RequestClassifier} decides it.
 * Each case names one collaborator call or one response; the front end only carries it out.
 */
public sealed interface RequestAction {

    /** Answer here with this status; a null reason means the status's default phrase. */
    record Reply(int status, String reason) implements RequestAction {}

    /** A REGISTER for one of our domains: parse, authenticate (401) in {@code realm}, then the registrar. */
    record Register(String realm) implements RequestAction {}

    /** A CANCEL: the proxy matches it to the INVITE it forwarded (RFC 3261 section 16.10). */
    record Cancel() implements RequestAction {}

    /** An ACK for a 2xx, end to end through the proxy (RFC 3261 section 13.2.2.4); never answered. */
    record ForwardAck() implements RequestAction {}

    /**
     * An ACK for a 2xx along our signed Record-Route whose Request-URI, the callee's Contact, is a
     * GRUU of ours (RFC 5627 section 5.4): the proxy retargets it to the binding of that instance,
     * like every other request to a GRUU, and forwards it statelessly. Without this the ACK would
     * go to the GRUU's host, our domain, and never reach a callee registered over UDP (one over a
     * TCP/TLS flow is reached by the flow token in our Record-Route instead). A temporary GRUU
     * names its user and instance itself; otherwise {@code instance} is the {@code gr} value.
     */
    record AckToGruu(String user, String aor, String instance) implements RequestAction {}

    /** An ACK of no dialog the pool routed: dropped without an answer (ACKs get none), counted by {@code reason}. */
    record DropAck(String reason) implements RequestAction {}

    /** Steered into one of this node's flows by a Route of ours (RFC 5626 section 5.3). */
    record IntoFlow() implements RequestAction {}

    /** Forward along the Route set without authenticating: in-dialog or preloaded (RFC 3261 section 16.12). */
    record Onward() implements RequestAction {}

    /** OPTIONS addressed to this node itself: 200 with what it supports (RFC 3261 section 11.2). */
    record OptionsToNode() implements RequestAction {}

    /**
     * An initial request from one of our users: challenge with 407 in {@code realm} (RFC 3261
     * section 22.3), then decide again with {@link RequestClassifier#authenticated}.
     */
    record Authenticate(String realm) implements RequestAction {}

    /**
     * To one of our users' bindings. {@code gruu} means the Request-URI is a GRUU (RFC 5627):
     * a temporary GRUU names its user and instance itself; otherwise {@code instance} (the
     * {@code gr} value) picks one instance of {@code aor}. {@code authenticated}: the requester
     * proved to be one of our users, so it may learn that a user does not exist (404); anyone else
     * gets the answer of an unreachable user (README, "No user enumeration").
     */
    record ToUser(String user, String aor, boolean gruu, String instance, boolean authenticated)
            implements RequestAction {}

    /** Initial request from one of our users to another domain: to the outbound proxy (403 when none). */
    record ToOutside() implements RequestAction {}

    /**
     * A branch node's presence SUBSCRIBE or PUBLISH from one of its users: to the pool through {@code
     * branch.pool-uri}, whatever the target's home site, since the pool's presence server is the only one; while the
     * pool does not answer, 480 with the limited-functionality Warning at once (README, "Sites and branches").
     */
    record ToPool() implements RequestAction {}

    /** An in-dialog SUBSCRIBE to the presence event: refresh or unsubscribe (RFC 6665 section 4.1.2.2). */
    record PresenceRefresh() implements RequestAction {}

    /** A new presence SUBSCRIBE to one of our users (RFC 3856: the pool is the notifier). */
    record PresenceSubscribe(String watcher) implements RequestAction {}

    /**
     * A new presence SUBSCRIBE to one of our users from another domain, whose realm we cannot
     * challenge: served only when {@code domain} is federated and the request came from one of its
     * configured sources ({@code io.switchboard.sip.trust.Federation}), else 403 (the README's
     * trust model, kinds 4 and 5).
     */
    record ForeignPresenceSubscribe(String watcher, String domain) implements RequestAction {}

    /** A PUBLISH by the presentity itself (RFC 3903 section 6: the pool is the state compositor). */
    record PresencePublish(String presentity) implements RequestAction {}

    /** SUBSCRIBE or PUBLISH to one of our users for a package nobody here serves: 489 with Allow-Events (RFC 6665 section 8.2.1). */
    record BadEvent() implements RequestAction {}
}
