package io.switchboard.presence.domain;

import java.time.Instant;
import java.util.List;

/** TEMPORARY: replaced by the rules helper's version at merge. */
public final class Aggregation {
    public static Aggregate aggregate(List<Source> sources, boolean registered, Aggregate previous, Instant now) {
        Availability a = registered ? Availability.AVAILABLE : Availability.OFFLINE;
        String note = null;
        for (Source s : sources) {
            if (s.state().choice() != null && s.state().choice().availability() != null && registered) {
                a = s.state().choice().availability();
            }
            if (s.state().note() != null) {
                note = s.state().note();
            }
        }
        Aggregate next = new Aggregate(a, null, note, List.of(), now);
        if (previous != null && previous.availability() == a && java.util.Objects.equals(previous.note(), note)) {
            return previous;
        }
        return next;
    }
}
