package io.switchboard.conference.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One leg in a conference or its lobby, keyed by {@code legId} (the Call-ID of the participant's
 * dialog with the focus), so a user joining from two devices is two legs and a retried join is the
 * same leg.
 *
 * @param lobbyReason why it waits; null when {@link ParticipantStatus#CONNECTED}
 */
public record Participant(
        String legId,
        String uri,
        JoinerKind kind,
        Role role,
        ParticipantStatus status,
        LobbyReason lobbyReason,
        Instant since) {

    public Participant {
        Objects.requireNonNull(legId, "legId");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(since, "since");
        if ((status == ParticipantStatus.PENDING) != (lobbyReason != null)) {
            throw new IllegalArgumentException("a lobby reason goes with PENDING, and only with it: " + legId);
        }
    }

    public boolean connected() {
        return status == ParticipantStatus.CONNECTED;
    }

    public boolean presenting() {
        return connected() && role == Role.PRESENTER;
    }

    Participant admitted(Instant now) {
        return new Participant(legId, uri, kind, role, ParticipantStatus.CONNECTED, null, now);
    }

    Participant withRole(Role r) {
        return new Participant(legId, uri, kind, r, status, lobbyReason, since);
    }
}
