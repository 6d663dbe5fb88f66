package io.switchboard.presence.entity;

import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.Subscription;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** One live dialog and what has been sent in it. */
final class Dialog {
    Subscription s;
    long cseq;
    boolean inFlight;
    boolean fullStateNext = true;
    Instant lastSentAt = Instant.EPOCH;
    final Set<String> dirty = new LinkedHashSet<>();
    final Map<String, PresenceView> sent = new HashMap<>();
    /** Resources whose first view this dialog still waits for before its full-state NOTIFY. */
    final Set<String> awaiting = new HashSet<>();
    /** NOTIFYs in a row that did not arrive (the state goes again, DialogPlan.retryAfterFailure). */
    int failedNotifies;
    /** When to look at this dialog again (end of the coalescing interval or of the initial wait), or null. */
    Instant flushAt;

    Dialog(Subscription s, long cseq) {
        this.s = s;
        this.cseq = cseq;
    }

    boolean pending() {
        return !dirty.isEmpty() || fullStateNext;
    }
}
