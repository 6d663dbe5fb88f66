package io.switchboard.conference.domain;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A conference's changing state: its legs (in the conference or its lobby), the lock, whether it
 * ended, since when it is empty, and the RFC 4575 {@code version} of this state.
 *
 * <p>Version rule (RFC 4575 section 4.6): every change of the state is one new version, exactly one
 * higher than the previous, so a subscriber that sees a gap knows it missed a notification and asks
 * for full state. A request that changes nothing (a retried join, locking a locked conference)
 * keeps the version. The first version is 1, at creation.
 *
 * @param emptySince when the last leg left (or the creation, or the end); null while any leg is in
 *                   the conference or its lobby
 * @param participants by leg id, in joining order
 */
public record Roster(
        long version, boolean locked, boolean ended, Instant emptySince, Map<String, Participant> participants) {

    public Roster {
        if (version < 1) {
            throw new IllegalArgumentException("version starts at 1: " + version);
        }
        participants = Collections.unmodifiableMap(new LinkedHashMap<>(participants));
        if (participants.isEmpty() != (emptySince != null)) {
            throw new IllegalArgumentException("emptySince is set exactly when nobody is in the conference");
        }
    }

    /** The roster of a conference just created: nobody in it, version 1. */
    public static Roster created(Instant now) {
        return new Roster(1, false, false, now, Map.of());
    }

    public int size() {
        return participants.size();
    }

    public long connected() {
        return participants.values().stream().filter(Participant::connected).count();
    }

    /** Legs in the lobby (not those being dialed out). */
    public long pending() {
        return participants.values().stream()
                .filter(p -> p.status() == ParticipantStatus.PENDING)
                .count();
    }

    /** Whether any presenter is connected (lobby legs do not count). */
    public boolean presenterPresent() {
        return participants.values().stream().anyMatch(Participant::presenting);
    }

    /** Whether a connected leg of {@code uri} presents (a promotion holds for that user's other legs too). */
    public boolean presents(String uri) {
        return participants.values().stream()
                .anyMatch(p -> p.presenting() && p.uri().equals(uri));
    }

    // ---- changes: each one new version ------------------------------------------------------

    /** The next version with {@code edit} applied to a mutable copy of the legs. */
    Roster change(Instant now, boolean locked, boolean ended, UnaryOperator<LinkedHashMap<String, Participant>> edit) {
        LinkedHashMap<String, Participant> legs = edit.apply(new LinkedHashMap<>(participants));
        Instant empty = legs.isEmpty() ? (participants.isEmpty() ? emptySince : now) : null;
        return new Roster(version + 1, locked, ended, empty, legs);
    }

    Roster change(Instant now, UnaryOperator<LinkedHashMap<String, Participant>> edit) {
        return change(now, locked, ended, edit);
    }
}
