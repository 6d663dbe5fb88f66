package io.switchboard.presence.domain;

/**
 * What an endpoint itself reports about its user's activity, ordered from most to least active
 * (the Skype for Business order: Active > Inactive > Unknown > Away > Off). The aggregate follows the most active
 * endpoint, so a phone that is in use outranks a PC left idle.
 */
public enum MachineState {
    /** Recent user input (RPID user-input "active"). */
    ACTIVE(Availability.AVAILABLE),
    /** Idle for a while (RPID user-input "idle"). */
    INACTIVE(Availability.AVAILABLE_IDLE),
    /** Registered or open, nothing said about input: counts as available. */
    UNKNOWN(Availability.AVAILABLE),
    /** The endpoint says its user is away from it (long idle, locked screen). */
    AWAY(Availability.AWAY),
    /** Closed, signed out. */
    OFF(Availability.OFFLINE);

    private final Availability availability;

    MachineState(Availability availability) {
        this.availability = availability;
    }

    /** The availability this state means when nothing overrides it. */
    public Availability availability() {
        return availability;
    }

    /** True when this is more active than {@code other} (enum order). */
    public boolean moreActiveThan(MachineState other) {
        return ordinal() < other.ordinal();
    }
}
