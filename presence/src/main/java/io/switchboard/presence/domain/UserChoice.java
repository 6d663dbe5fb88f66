package io.switchboard.presence.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * A state the user set explicitly, overriding what their endpoints report (explicit user states
 * override machine state).
 *
 * @param availability null for "automatic" (follow the endpoints' machine state again); otherwise
 *                     {@link Availability#BUSY}, {@link Availability#DO_NOT_DISTURB},
 *                     {@link Availability#BE_RIGHT_BACK}, {@link Availability#AWAY},
 *                     {@link Availability#OFFLINE} (Appear Offline), or
 *                     {@link Availability#AVAILABLE} for a custom state mapped onto Available
 *                     (a plain "available" choice is {@link #AUTOMATIC})
 * @param text         a custom state's text, shown as the activity; null for the built-in states
 */
public record UserChoice(Availability availability, String text) {

    /** Back to machine state: no override. */
    public static final UserChoice AUTOMATIC = new UserChoice(null, null);

    /** The availabilities a user can choose; the idle variants only ever come from machines. */
    private static final Set<Availability> CHOOSABLE = EnumSet.of(
            Availability.AVAILABLE,
            Availability.BUSY,
            Availability.DO_NOT_DISTURB,
            Availability.BE_RIGHT_BACK,
            Availability.AWAY,
            Availability.OFFLINE);

    /**
     * Rejects combinations no rule produces (they are programming errors, not user input:
     * user input is checked by {@link Publications} and {@link CustomStates}).
     */
    public UserChoice {
        if (availability == null && text != null) {
            throw new IllegalArgumentException("automatic choice with text: " + text);
        }
        if (availability != null && !CHOOSABLE.contains(availability)) {
            throw new IllegalArgumentException("not a state a user can choose: " + availability);
        }
        if (availability == Availability.AVAILABLE && text == null) {
            throw new IllegalArgumentException("available without custom text: use UserChoice.AUTOMATIC");
        }
    }

    /** A built-in state (Busy, Do Not Disturb, Be Right Back, Away, Appear Offline = OFFLINE). */
    public static UserChoice of(Availability availability) {
        return new UserChoice(availability, null);
    }

    /** The choice a custom state stands for: its availability, with its text as the activity. */
    public static UserChoice custom(CustomState state) {
        return new UserChoice(state.availability(), state.text());
    }

    /** True when this choice overrides nothing. */
    public boolean isAutomatic() {
        return availability == null;
    }
}
