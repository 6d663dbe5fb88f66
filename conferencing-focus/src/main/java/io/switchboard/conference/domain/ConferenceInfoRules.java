package io.switchboard.conference.domain;

import io.switchboard.sip.events.SubscriptionRules;
import java.time.Instant;

/**
 * Who may subscribe to a conference's state (RFC 4575, RFC 4579 sections 5.3 and 6: SUBSCRIBE with
 * {@code Event: conference} to the conference URI), and for how long. Checked in this order:
 *
 * <ol>
 *   <li>No such conference, or it ended or expired: <b>404</b>, as for a join (ids cannot be
 *       probed).</li>
 *   <li>An anonymous subscriber: <b>403</b>. Its From is whatever it claims, so it cannot be tied
 *       to any participant; the roster (who is in a meeting) is not for strangers, even in an
 *       {@code open} conference.</li>
 *   <li>A participant: a user (of ours, or a federated one, the same kind as the leg) with a
 *       <em>connected</em> leg. A leg in the lobby does not count: who is in a meeting is shown to
 *       those let in.</li>
 *   <li>Users the conference's rules let in without waiting or make its presenters: the
 *       organizer, presenters by definition ({@link Conference#presenterByDefinition}) and the
 *       invitees; they may follow a meeting before they dial in (a client shows the roster).</li>
 *   <li>Anyone else: <b>403</b>.</li>
 * </ol>
 *
 * Durations follow RFC 6665 section 4.2.1.1 as the presence server does: absent means the default,
 * below the minimum is 423 with Min-Expires, above the maximum is shortened.
 */
public final class ConferenceInfoRules {

    /** Seconds: the presence server's defaults (README, "Configuration", subscription.*). */
    public static final long MIN_EXPIRES = 60, DEFAULT_EXPIRES = 3600, MAX_EXPIRES = 7200;

    private ConferenceInfoRules() {}

    /** The answer to a new subscription: allowed, or refused with a status. */
    public sealed interface Decision {
        record Allowed() implements Decision {}

        record Refused(int status, String reason) implements Decision {}
    }

    /** @param conference null when there is none under this id */
    public static Decision maySubscribe(Conference conference, Roster roster, Joiner subscriber, Instant now) {
        if (conference == null || roster.ended() || conference.expired(roster, now)) {
            return new Decision.Refused(JoinRules.NOT_FOUND, "Conference not found");
        }
        if (subscriber.kind() == JoinerKind.ANONYMOUS) {
            return new Decision.Refused(JoinRules.FORBIDDEN, "Only participants may subscribe to the conference");
        }
        boolean participant = roster.participants().values().stream()
                .anyMatch(p -> p.connected()
                        && p.kind() == subscriber.kind()
                        && p.uri().equals(subscriber.uri()));
        if (participant
                || conference.presenterByDefinition(subscriber)
                || conference.invitees().contains(subscriber.uri())) {
            return new Decision.Allowed();
        }
        return new Decision.Refused(JoinRules.FORBIDDEN, "Only participants may subscribe to the conference");
    }

    /**
     * The granted duration in seconds, or -1 for 423 (below {@link #MIN_EXPIRES}); 0 stays 0 (an
     * unsubscribe, or a fetch on a new subscription).
     *
     * @param requested the Expires value, or -1 when absent
     */
    public static long expires(long requested) {
        return SubscriptionRules.granted(requested, MIN_EXPIRES, DEFAULT_EXPIRES, MAX_EXPIRES);
    }
}
