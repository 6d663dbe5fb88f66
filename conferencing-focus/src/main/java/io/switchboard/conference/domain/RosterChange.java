package io.switchboard.conference.domain;

/** What {@link RosterRules} answers for one requested change. */
public sealed interface RosterChange {

    /** Store {@code next} (one version higher), then reply. */
    record Applied(Roster next) implements RosterChange {}

    /** Allowed, but the roster already is so: nothing to store, the version stays. */
    record Unchanged() implements RosterChange {}

    /** Not done, nothing changed: {@code status} 404 (no such conference or leg) or 403 (not allowed). */
    record Refused(int status, String reason) implements RosterChange {}
}
