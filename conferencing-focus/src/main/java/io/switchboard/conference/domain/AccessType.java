package io.switchboard.conference.domain;

/** Who may enter a conference without waiting in its lobby (the Skype for Business meeting options). */
public enum AccessType {
    /** Anyone: our users, federated users and anonymous callers. */
    OPEN,
    /** Users of our domains; federated users wait in the lobby, anonymous callers are refused. */
    COMPANY,
    /** The organizer's invitees (and the presenters); others wait in the lobby, anonymous callers are refused. */
    INVITED
}
