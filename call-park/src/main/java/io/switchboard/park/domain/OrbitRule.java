package io.switchboard.park.domain;

/**
 * The rules an orbit range must keep (the Skype for Business call park orbit rules), each with the
 * token that answers name: an operator reads which rule a refused range broke.
 */
public enum OrbitRule {
    /** 1 to 64 letters, digits, dot, dash or underscore. */
    NAME("name"),
    /** {@code START-END}, each an orbit: 1 to 9 digits, optionally after one {@code *} or {@code #}. */
    SYNTAX("syntax"),
    /** Start and end begin with the same prefix (none, {@code *} or {@code #}). */
    SAME_PREFIX("same-prefix"),
    /** Start and end have the same number of digits. */
    SAME_LENGTH("same-length"),
    /** Start is not greater than end. */
    START_NOT_AFTER_END("start-not-after-end"),
    /** At most {@link OrbitRange#MAX_ORBITS} orbits in one range. */
    MAX_SIZE("max-size"),
    /** No range of the same name exists (409). */
    UNIQUE_NAME("unique-name"),
    /** No orbit lies in another range (409). */
    NO_OVERLAP("no-overlap"),
    /** No orbit is a user's phone number or user part (409). */
    NO_USER_NUMBER("no-user-number"),
    /** A per-range setting ({@code pickupTimeout}, {@code maxPickupAttempts}, {@code onTimeoutUri}) is in bounds. */
    SETTING("setting");

    private final String token;

    OrbitRule(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    /** 409 for conflicts with what exists, 400 for a range that is wrong by itself. */
    public int httpStatus() {
        return switch (this) {
            case UNIQUE_NAME, NO_OVERLAP, NO_USER_NUMBER -> 409;
            default -> 400;
        };
    }
}
