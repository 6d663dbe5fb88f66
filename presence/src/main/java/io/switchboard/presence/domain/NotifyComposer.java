package io.switchboard.presence.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a NOTIFY of a presence subscription carries (RFC 3856, RFC 4662): the Subscription-State,
 * the body and which views of which presentities it sends. Pure: the watcher's entity keeps the
 * dialog's state and sends what this returns.
 */
public final class NotifyComposer {

    /**
     * The latest view of one presentity a watcher's entity has been sent by that presentity, or
     * that the resource is not served to this watcher at all ({@code terminated} is the RFC 6665
     * reason, e.g. "rejected" for a URI that is not one of our users; view and pidf are then null).
     */
    public record KnownView(long version, PresenceView view, String pidf, String terminated) {

        public KnownView(long version, PresenceView view, String pidf) {
            this(version, view, pidf, null);
        }

        /** RFC 4662 section 4.4: the list server will not subscribe to this resource, for {@code reason}. */
        public static KnownView terminated(String reason) {
            return new KnownView(0, null, null, reason);
        }

        public boolean isTerminated() {
            return terminated != null;
        }
    }

    /**
     * @param subscriptionState the Subscription-State header value
     * @param contentType       the body's type, or null without a body
     * @param body              the body, or null
     * @param eventlist         an RFC 4662 list NOTIFY
     * @param sent              the views this NOTIFY tells the watcher, by presentity
     */
    public record Composed(
            String subscriptionState,
            String contentType,
            String body,
            boolean eventlist,
            Map<String, PresenceView> sent) {}

    private NotifyComposer() {}

    /**
     * Composes the NOTIFY of {@code s}.
     *
     * @param rlmiVersion the RLMI version of a list NOTIFY (RFC 4662 section 5.3: rises with every
     *                    NOTIFY of the dialog; the dialog's CSeq, which also rises across takeovers)
     * @param fullState   a list NOTIFY carries every resource, else only {@code changed}
     * @param changed     the resources whose view changed since the last NOTIFY, in order
     * @param known       the views known now; null for a presentity not heard from yet
     * @param boundary    the multipart boundary of a list NOTIFY
     */
    public static Composed compose(
            Subscription s,
            long rlmiVersion,
            String subscriptionState,
            boolean fullState,
            Collection<String> changed,
            Function<String, KnownView> known,
            String boundary) {
        Map<String, PresenceView> sent = new LinkedHashMap<>();
        if (!s.isList()) {
            String p = s.resources().isEmpty() ? null : s.resources().get(0);
            KnownView k = p == null ? null : known.apply(p);
            if (k == null) {
                // no view yet (presentity unreachable): say so rather than invent a state (RFC 6665 section 4.1.3)
                return new Composed(pendingIfActive(subscriptionState), null, null, false, sent);
            }
            if (k.isTerminated()) {
                // nothing to show: the watcher's entity ends such a dialog (this is its final NOTIFY)
                return new Composed(subscriptionState, null, null, false, sent);
            }
            sent.put(p, k.view());
            return new Composed(subscriptionState, "application/pidf+xml", k.pidf(), false, sent);
        }
        List<Rlmi.Resource> parts = new ArrayList<>();
        for (String p : fullState ? s.resources() : changed) {
            if (!s.resources().contains(p)) {
                continue; // removed from the list since it changed
            }
            KnownView k = known.apply(p);
            if (k == null) {
                parts.add(new Rlmi.Resource(p, instanceId(p), "pending", null, null));
            } else if (k.isTerminated()) {
                // RFC 4662 section 5.2: the instance is terminated, with the reason, and carries no state
                parts.add(new Rlmi.Resource(p, instanceId(p), "terminated", k.terminated(), null));
            } else {
                parts.add(new Rlmi.Resource(p, instanceId(p), "active", null, k.pidf()));
                sent.put(p, k.view());
            }
        }
        Rlmi.Body body =
                Rlmi.build(s.listUri(), (int) Math.min(Integer.MAX_VALUE, rlmiVersion), fullState, parts, boundary);
        return new Composed(subscriptionState, body.contentType(), body.text(), true, sent);
    }

    /** The Subscription-State of a live dialog's NOTIFY: {@code active;expires=N}, N rounded up (RFC 6665 section 4.2.2). */
    public static String active(Subscription s, Instant now) {
        return "active;expires=" + secondsLeft(s, now);
    }

    static String pendingIfActive(String subscriptionState) {
        return subscriptionState.startsWith("active")
                ? subscriptionState.replace("active", "pending")
                : subscriptionState;
    }

    public static long secondsLeft(Subscription s, Instant now) {
        long millis = Duration.between(now, s.expiresAt()).toMillis();
        return Math.max(0, (millis + 999) / 1000);
    }

    /**
     * Whether a watcher would see a difference. The timestamp alone does not count: a presentity
     * entity that starts again (on another node, or after passivation) stamps its unchanged
     * aggregate anew, and that must not NOTIFY every watcher.
     */
    public static boolean sameState(PresenceView a, PresenceView b) {
        return b != null
                && a.availability() == b.availability()
                && Objects.equals(a.activity(), b.activity())
                && Objects.equals(a.note(), b.note())
                && a.phones().equals(b.phones());
    }

    /** A stable RLMI instance id per resource (RFC 4662 section 5.2: ids identify instances across NOTIFYs). */
    public static String instanceId(String uri) {
        return Integer.toHexString(Objects.hashCode(uri)) + Integer.toHexString(uri.length());
    }
}
