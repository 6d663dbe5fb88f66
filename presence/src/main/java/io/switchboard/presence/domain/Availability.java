package io.switchboard.presence.domain;

import java.util.Locale;

/**
 * The availability scale users compare us with (Lync / Skype for Business): one number per
 * state, and the range of numbers that mean that state. Lower is more available. The aggregate
 * of a user's presence is one of these; watchers see its number and token.
 *
 * <p>Numbers and ranges of the Skype for Business presence model, so clients written for it
 * read ours unchanged.
 */
public enum Availability {
    AVAILABLE(3500, 0, 4499, "available"),
    AVAILABLE_IDLE(5000, 4500, 5999, "available-idle"),
    BUSY(6500, 6000, 7499, "busy"),
    BUSY_IDLE(7500, 7500, 8999, "busy-idle"),
    DO_NOT_DISTURB(9500, 9000, 11999, "do-not-disturb"),
    BE_RIGHT_BACK(12500, 12000, 14999, "be-right-back"),
    AWAY(15500, 15000, 17999, "away"),
    OFFLINE(18500, 18000, Integer.MAX_VALUE, "offline");

    private final int number;
    private final int low;
    private final int high;
    private final String token;

    Availability(int number, int low, int high, String token) {
        this.number = number;
        this.low = low;
        this.high = high;
        this.token = token;
    }

    /** The number published for this state (e.g. 3500 for Available). */
    public int number() {
        return number;
    }

    public int low() {
        return low;
    }

    public int high() {
        return high;
    }

    /** Lower-case token used in PIDF ({@code <sb:state>}), the admin API and logs. */
    public String token() {
        return token;
    }

    /** The state whose range holds {@code number}; negative numbers are out of range. */
    public static Availability ofNumber(int number) {
        if (number < 0) {
            throw new IllegalArgumentException("availability below 0: " + number);
        }
        for (Availability a : values()) {
            if (number >= a.low && number <= a.high) {
                return a;
            }
        }
        return OFFLINE;
    }

    /** By token (case-insensitive), or null when unknown. */
    public static Availability ofToken(String token) {
        if (token == null) {
            return null;
        }
        String t = token.trim().toLowerCase(Locale.ROOT);
        for (Availability a : values()) {
            if (a.token.equals(t)) {
                return a;
            }
        }
        return null;
    }
}
