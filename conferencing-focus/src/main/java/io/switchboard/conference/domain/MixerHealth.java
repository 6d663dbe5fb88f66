package io.switchboard.conference.domain;

/**
 * Whether a mixer (MCU) may be given conferences, from what the focus last saw of it
 * (conferencing-focus/README.md, "Mixer watching"). The focus sends OPTIONS to every configured
 * mixer each check interval, as SIP load balancers probe their destinations (Kamailio's
 * dispatcher with {@code ds_ping_interval}): any answer below 500 means the mixer's SIP stack is
 * alive and taking requests (a 404 or 405 to OPTIONS is still an answer, RFC 3261 section 11.2
 * lets a UAS refuse the method), so it is up; a 5xx says it cannot serve (RFC 3261 section 21.5),
 * no answer within the interval that it is gone, and a BYE on one of our legs that it dropped the
 * participant's media, so it is down. One observation decides: an unanswered OPTIONS has already
 * been retransmitted by the transaction (RFC 3261 section 17.1.2.2, Timer E) within the
 * interval, so a single lost datagram does not take a mixer down.
 */
public final class MixerHealth {

    private MixerHealth() {}

    /** A mixer starts up (as configured) until a check says otherwise, so a starting pool can take joins at once. */
    public static final boolean INITIALLY_UP = true;

    /** What the focus saw of a mixer. */
    public sealed interface Observation {
        /** A final response to our OPTIONS. */
        record Answered(int status) implements Observation {}

        /** No final response to our OPTIONS within the check interval (or it could not be sent). */
        record NoAnswer() implements Observation {}

        /** The mixer sent BYE in one of our dialogs with it: it dropped a participant's media. */
        record Bye() implements Observation {}
    }

    /** Up or down after an observation, and why it counts as a failure ({@code null}: it does not). */
    public record Verdict(boolean up, String failure) {}

    /** Failure reasons, as counted. */
    public static final String NO_ANSWER = "no-answer", SERVER_ERROR = "5xx", BYE = "bye";

    /** The mixer's state after {@code seen}; the state before does not matter (one observation decides). */
    public static Verdict next(Observation seen) {
        if (seen instanceof Observation.Answered a) {
            return a.status() < 500 ? new Verdict(true, null) : new Verdict(false, SERVER_ERROR);
        }
        if (seen instanceof Observation.Bye) {
            return new Verdict(false, BYE);
        }
        return new Verdict(false, NO_ANSWER);
    }
}
