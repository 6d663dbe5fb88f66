package io.switchboard.presence.domain;

import java.util.List;

/** What {@link SubscribeClassifier} decides for a presence SUBSCRIBE. */
public sealed interface SubscribeDecision permits EdgeRefusal, SubscribeDecision.Subscribe, SubscribeDecision.Refresh {

    /** What a new subscription follows (RFC 3856, RFC 4662). */
    enum Kind {
        /** One presentity, the Request-URI's (RFC 3856). */
        PLAIN,
        /** The subscriber's own contact list: its own URI with Supported: eventlist (RFC 4662 section 4). */
        CONTACT_LIST,
        /** The entries of a resource-lists body (RFC 5367 style ad-hoc list, RFC 4662). */
        AD_HOC_LIST
    }

    /**
     * A new subscription to set up.
     *
     * @param expires   the granted duration in seconds; 0 is a fetch: one NOTIFY with the current
     *                  state and the subscription ends (RFC 6665 section 4.4.3)
     * @param resources the presentities followed; empty for a contact list (the entity reads it)
     * @param listUri   the list's URI for the RLMI document, or null for a plain subscription
     */
    record Subscribe(Kind kind, long expires, List<String> resources, String listUri) implements SubscribeDecision {

        public Subscribe {
            resources = List.copyOf(resources);
        }

        public boolean isFetch() {
            return expires == 0;
        }

        /** True when NOTIFYs are RLMI lists and the 200 carries Require: eventlist (RFC 4662 section 5.1). */
        public boolean isList() {
            return listUri != null;
        }

        public boolean followsContacts() {
            return kind == Kind.CONTACT_LIST;
        }
    }

    /**
     * An in-dialog SUBSCRIBE: a refresh for {@code expires} seconds, or an unsubscribe when 0
     * (RFC 6665 section 4.1.2.2 and 4.1.2.3).
     */
    record Refresh(long expires) implements SubscribeDecision {

        public boolean isUnsubscribe() {
            return expires == 0;
        }
    }
}
