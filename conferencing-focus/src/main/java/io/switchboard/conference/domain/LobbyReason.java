package io.switchboard.conference.domain;

/** Why a joiner waits in the lobby, shown to presenters deciding whom to admit. */
public enum LobbyReason {
    /** A {@link AccessType#COMPANY} conference and the joiner is not a user of ours. */
    NOT_OUR_USER,
    /** An {@link AccessType#INVITED} conference and the joiner is not invited. */
    NOT_INVITED,
    /**
     * Would be admitted, but no presenter is in the conference yet ({@code company} and {@code
     * invited} only); admitted by itself when a presenter arrives.
     */
    AWAITING_PRESENTER
}
