package io.switchboard.conference.domain;

/** A leg's place in the conference (RFC 4575 section 5.7.2 {@code status}: the values we use so far). */
public enum ParticipantStatus {
    CONNECTED,
    /** In the lobby: the call is held (180) until a presenter admits it. */
    PENDING
}
