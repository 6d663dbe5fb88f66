package io.switchboard.conference.domain;

/** A leg's place in the conference (RFC 4575 section 5.7.2 {@code status}: the values we use so far). */
public enum ParticipantStatus {
    CONNECTED,
    /** In the lobby: the call is held (180) until a presenter admits it. */
    PENDING,
    /**
     * Called by the focus on a presenter's REFER (dial-out, RFC 4579 section 5.5) and not answered
     * yet: RFC 4575 section 5.7.2's {@code dialing-out}. Appended (enum constants are append-only:
     * their ordinals are in cluster messages, docs/architecture.md "Cluster message formats").
     */
    DIALING_OUT
}
