package io.switchboard.presence.domain;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what a presence SUBSCRIBE is before any entity is asked: a refusal the edge sends
 * itself (423, 400, 406, 421), or the kind of subscription to set up with its granted duration.
 * Checks in the order a client can act on them: duration (RFC 6665 section 4.2.1.1), the request's
 * own completeness, Accept, then the list extension (RFC 4662).
 */
public final class SubscribeClassifier {

    private final SubscribeRules rules;
    private final Set<String> domains;

    public SubscribeClassifier(SubscribeRules rules) {
        this(rules, Set.of());
    }

    /** @param domains the pool's domains: list entries naming our users are put in canonical form */
    public SubscribeClassifier(SubscribeRules rules, Set<String> domains) {
        this.rules = rules;
        this.domains = Set.copyOf(domains);
    }

    /** A new (out-of-dialog) SUBSCRIBE. */
    public SubscribeDecision initial(SubscribeRequest r) {
        SubscribeRules.Duration duration = rules.duration(r.expires());
        if (duration instanceof SubscribeRules.TooBrief brief) {
            return tooBrief(brief);
        }
        long expires = ((SubscribeRules.Granted) duration).seconds();
        if (!r.hasContact()) {
            return EdgeRefusal.of(400, "SUBSCRIBE needs a Contact"); // RFC 6665 section 4.1.2.1
        }
        if (!r.hasFromTag()) {
            return EdgeRefusal.of(400, "From needs a tag"); // RFC 3261 section 8.1.1.3: the dialog needs it
        }
        if (!PresenceMedia.subscriberAccepts(r.accept())) {
            return PresenceMedia.notAcceptable();
        }
        if (r.body().length > 0 && r.bodyType() != null && r.bodyType().endsWith("/resource-lists+xml")) {
            // an ad-hoc list in the body (RFC 5367 style): one subscription to all its entries,
            // which only a subscriber that takes RLMI NOTIFYs can have (RFC 4662 section 5)
            if (!r.supportsEventlist()) {
                return new EdgeRefusal(421, "Extension Required", Map.of("Require", "eventlist"));
            }
            ResourceLists.Result parsed =
                    ResourceLists.parse(r.body(), rules.limits().maxListSize());
            if (parsed instanceof ResourceLists.Invalid invalid) {
                return EdgeRefusal.of(400, invalid.reason());
            }
            // Entries that are not our users stay as written: the watcher's entity answers them
            // "rejected" (RFC 4662 section 5.2) without asking any presentity (PresenceResources).
            return new SubscribeDecision.Subscribe(
                    SubscribeDecision.Kind.AD_HOC_LIST,
                    expires,
                    PresenceResources.canonical(((ResourceLists.Ok) parsed).uris(), domains),
                    r.resource());
        }
        if (r.resource().equals(r.watcher()) && r.supportsEventlist()) {
            // RFC 4662: a subscription to one's own URI with eventlist support is to one's contact list
            return new SubscribeDecision.Subscribe(
                    SubscribeDecision.Kind.CONTACT_LIST, expires, List.of(), r.resource());
        }
        return new SubscribeDecision.Subscribe(SubscribeDecision.Kind.PLAIN, expires, List.of(r.resource()), null);
    }

    /**
     * An in-dialog SUBSCRIBE with this Expires (-1 when absent): refresh or unsubscribe
     * (RFC 6665 section 4.1.2.2, 4.1.2.3), or 423 like an initial one.
     */
    public SubscribeDecision inDialog(long requestedExpires) {
        SubscribeRules.Duration duration = rules.duration(requestedExpires);
        if (duration instanceof SubscribeRules.TooBrief brief) {
            return tooBrief(brief);
        }
        return new SubscribeDecision.Refresh(((SubscribeRules.Granted) duration).seconds());
    }

    /** 423 Interval Too Brief with the Min-Expires the client may retry with (RFC 6665 section 4.2.1.1). */
    private static EdgeRefusal tooBrief(SubscribeRules.TooBrief brief) {
        return new EdgeRefusal(423, null, Map.of("Min-Expires", Long.toString(brief.minExpires())));
    }
}
