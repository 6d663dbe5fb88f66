package io.switchboard.presence.domain;

/**
 * What an endpoint says its user is doing, as shown next to the availability
 * ({@link PresenceView#activity()}). Derived from RPID activities (RFC 4480 section 3.2) by
 * {@link Publications}.
 */
public final class Activities {

    /** RPID {@code on-the-phone}: the user is in a call on this endpoint. */
    public static final String IN_A_CALL = "in-a-call";
    /** RPID {@code meeting} or {@code appointment}: the user's calendar says they are in a meeting. */
    public static final String IN_A_MEETING = "in-a-meeting";

    private Activities() {}

    /** True for the machine activities above and for null (no activity). */
    static boolean isMachineActivity(String activity) {
        return activity == null || IN_A_CALL.equals(activity) || IN_A_MEETING.equals(activity);
    }
}
