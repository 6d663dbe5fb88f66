package io.switchboard.conference.domain;

/** A participant's role (RFC 4575 section 5.6.2 {@code roles}: the values we use). */
public enum Role {
    PRESENTER,
    ATTENDEE
}
