package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A user's presence across all their endpoints ({@link Aggregation}): what a watcher with full
 * access sees ({@link WatcherView}).
 *
 * @param availability the aggregated state
 * @param activity     {@link Activities#IN_A_CALL}, {@link Activities#IN_A_MEETING}, a custom
 *                     state's text, or null
 * @param note         the user's note, or null
 * @param phones       the phone contacts of all endpoints
 * @param since        server time at which any of the above last changed
 */
public record Aggregate(Availability availability, String activity, String note, List<String> phones, Instant since) {

    public Aggregate {
        Objects.requireNonNull(availability, "availability");
        Objects.requireNonNull(since, "since");
        phones = List.copyOf(phones);
    }

    /** True when everything but {@code since} is equal: nothing a watcher sees has changed. */
    public boolean sameStateAs(Aggregate other) {
        return other != null
                && availability == other.availability
                && Objects.equals(activity, other.activity)
                && Objects.equals(note, other.note)
                && phones.equals(other.phones);
    }
}
