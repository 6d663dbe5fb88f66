package io.switchboard.presence.domain;

import io.switchboard.sip.flow.Flow;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A watcher's subscription as the notifier's side of a SIP dialog (RFC 6665 section 4.2). All of
 * it is stored (docs/architecture.md, rule 5) so that any node can go on sending NOTIFYs in the same dialog
 * after the node that held it is lost: the watcher never has to subscribe again.
 *
 * @param watcher      the subscriber's AOR (From URI without parameters): the owning entity's key
 * @param localTag     our tag (the To tag of our 200): the subscription's id, unguessable
 * @param callId       Call-ID of the dialog
 * @param remoteTag    the subscriber's From tag
 * @param localUri     the URI subscribed to (To of the SUBSCRIBE), our From in NOTIFYs
 * @param remoteUri    the subscriber's From URI, our To in NOTIFYs
 * @param remoteTarget the subscriber's Contact: the Request-URI of our NOTIFYs (RFC 3261 section 12.1.1)
 * @param routeSet     the Record-Route values of the SUBSCRIBE in order (section 12.1.1)
 * @param flow         the connection the SUBSCRIBE came in on, for TCP/TLS subscribers (docs/architecture.md, rule 6)
 * @param eventId      the {@code id} parameter of the Event header, or null
 * @param resources    the presentities watched: one for a plain subscription, several for a list
 * @param listUri      for a resource list subscription (RFC 4662) the list's URI, else null
 * @param followsContacts true for a list subscription to the watcher's own contact list: edits
 *                     of the list add and remove its resources
 * @param expiresAt    when the subscription ends unless refreshed
 * @param cseqCeiling  every NOTIFY CSeq used so far is at or below this stored value: a node that
 *                     takes the dialog over starts above it, so CSeq keeps rising (RFC 3261 section 12.2.1.1)
 */
public record Subscription(
        String watcher,
        String localTag,
        String callId,
        String remoteTag,
        String localUri,
        String remoteUri,
        String remoteTarget,
        List<String> routeSet,
        Flow flow,
        String eventId,
        List<String> resources,
        String listUri,
        boolean followsContacts,
        Instant expiresAt,
        long cseqCeiling) {

    public Subscription {
        Objects.requireNonNull(watcher, "watcher");
        Objects.requireNonNull(localTag, "localTag");
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(remoteTag, "remoteTag");
        Objects.requireNonNull(localUri, "localUri");
        Objects.requireNonNull(remoteUri, "remoteUri");
        Objects.requireNonNull(remoteTarget, "remoteTarget");
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(expiresAt, "expiresAt");
        routeSet = List.copyOf(routeSet);
        resources = List.copyOf(resources);
    }

    public boolean isList() {
        return listUri != null;
    }

    public boolean isLive(Instant now) {
        return expiresAt.isAfter(now);
    }

    public Subscription withExpiresAt(Instant at) {
        return new Subscription(
                watcher,
                localTag,
                callId,
                remoteTag,
                localUri,
                remoteUri,
                remoteTarget,
                routeSet,
                flow,
                eventId,
                resources,
                listUri,
                followsContacts,
                at,
                cseqCeiling);
    }

    public Subscription withCseqCeiling(long ceiling) {
        return new Subscription(
                watcher,
                localTag,
                callId,
                remoteTag,
                localUri,
                remoteUri,
                remoteTarget,
                routeSet,
                flow,
                eventId,
                resources,
                listUri,
                followsContacts,
                expiresAt,
                ceiling);
    }

    public Subscription withResources(List<String> next) {
        return new Subscription(
                watcher,
                localTag,
                callId,
                remoteTag,
                localUri,
                remoteUri,
                remoteTarget,
                routeSet,
                flow,
                eventId,
                next,
                listUri,
                followsContacts,
                expiresAt,
                cseqCeiling);
    }

    /** A refresh may come over a new connection or from a new Contact (RFC 6665 section 4.1.2.2). */
    public Subscription withTarget(String target, Flow newFlow) {
        return new Subscription(
                watcher,
                localTag,
                callId,
                remoteTag,
                localUri,
                remoteUri,
                target,
                routeSet,
                newFlow,
                eventId,
                resources,
                listUri,
                followsContacts,
                expiresAt,
                cseqCeiling);
    }
}
