package io.switchboard.conference.domain;

/** What {@link JoinRules#decide} answers; {@code next} is the roster to store before replying. */
public sealed interface JoinDecision {

    /** In the conference with {@code participant.role()}: answer 200. */
    record Admitted(Participant participant, Roster next) implements JoinDecision {}

    /** In the lobby: hold the call with 180 until a presenter admits it. */
    record Lobby(Participant participant, LobbyReason reason, Roster next) implements JoinDecision {}

    /** Not in, and nothing changed: the SIP final response {@code status} with {@code reason}. */
    record Refused(int status, String reason) implements JoinDecision {}
}
