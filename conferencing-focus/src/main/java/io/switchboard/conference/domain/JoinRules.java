package io.switchboard.conference.domain;

import java.time.Instant;

/**
 * Whether a joiner gets into a conference, into its lobby, or nowhere. Checked in this order:
 *
 * <ol>
 *   <li>No such conference, or it ended or expired: <b>404</b>. An expired conference is
 *       indistinguishable from one that never existed, so ids cannot be probed for past meetings.</li>
 *   <li>The leg is already in the roster (a retried INVITE): the same answer as before, nothing
 *       changes.</li>
 *   <li>Locked, and the joiner does not present: <b>403</b> "Conference locked" (presenters still
 *       get in: the lock keeps out new participants, not those running the meeting).</li>
 *   <li>An anonymous caller to a conference that is not {@code open}: <b>403</b>. Only an open
 *       conference is a service strangers may reach; the lobby of the others is for people someone
 *       vouches for (our users, federated partners' users).</li>
 *   <li>As many legs in the conference and its lobby as the limit: <b>486 Busy Here</b>. RFC 3261
 *       section 21.4.7: the destination was reached but cannot take another call now; a client
 *       shows "busy" and may try later, which is what a full meeting is. Not 480/503 (they say
 *       the server is in trouble and invite a retry elsewhere or at once), not 403 (that says
 *       never). The lobby counts so that admitting from it can never overflow the conference.</li>
 *   <li>Access: {@code open} admits everyone; {@code company} admits our users and sends federated
 *       users to the lobby; {@code invited} admits the organizer, invitees, presenters and (with
 *       lobby bypass) our users, and sends the others to the lobby.</li>
 *   <li>An attendee admitted so far, in a {@code company} or {@code invited} conference with no
 *       presenter connected, waits in the lobby ({@link LobbyReason#AWAITING_PRESENTER}) unless it
 *       is our user and lobby bypass is on; it is admitted by itself when a presenter arrives.</li>
 * </ol>
 *
 * A presenter who gets in also admits everybody waiting only for a presenter, in the same change.
 */
public final class JoinRules {

    public static final int NOT_FOUND = 404;
    public static final int FORBIDDEN = 403;
    public static final int BUSY_HERE = 486;

    private JoinRules() {}

    /**
     * @param conference null when there is none under this id
     * @param roster     its roster (ignored when {@code conference} is null)
     * @param legId      the joining dialog's Call-ID
     */
    public static JoinDecision decide(Conference conference, Roster roster, String legId, Joiner joiner, Instant now) {
        if (conference == null || roster.ended() || conference.expired(roster, now)) {
            return new JoinDecision.Refused(NOT_FOUND, "Conference not found");
        }
        Participant already = roster.participants().get(legId);
        if (already != null) {
            return already.connected()
                    ? new JoinDecision.Admitted(already, roster)
                    : new JoinDecision.Lobby(already, already.lobbyReason(), roster);
        }
        boolean presenter = conference.presenterByDefinition(joiner)
                || (joiner.kind() != JoinerKind.ANONYMOUS && roster.presents(joiner.uri()));
        if (roster.locked() && !presenter) {
            return new JoinDecision.Refused(FORBIDDEN, "Conference locked");
        }
        if (joiner.kind() == JoinerKind.ANONYMOUS && conference.access() != AccessType.OPEN) {
            return new JoinDecision.Refused(FORBIDDEN, "Anonymous callers may join only open conferences");
        }
        if (roster.size() >= conference.participantLimit()) {
            return new JoinDecision.Refused(
                    BUSY_HERE, "Conference full (" + conference.participantLimit() + " participants)");
        }
        Role role = presenter ? Role.PRESENTER : Role.ATTENDEE;
        LobbyReason wait = presenter ? null : lobbyReason(conference, roster, joiner);
        if (wait != null) {
            Participant waiting =
                    new Participant(legId, joiner.uri(), joiner.kind(), role, ParticipantStatus.PENDING, wait, now);
            Roster next = roster.change(now, legs -> {
                legs.put(legId, waiting);
                return legs;
            });
            return new JoinDecision.Lobby(waiting, wait, next);
        }
        Participant in =
                new Participant(legId, joiner.uri(), joiner.kind(), role, ParticipantStatus.CONNECTED, null, now);
        Roster next = roster.change(now, legs -> {
            legs.put(legId, in);
            if (in.presenting()) {
                legs.replaceAll((id, p) -> p.lobbyReason() == LobbyReason.AWAITING_PRESENTER ? p.admitted(now) : p);
            }
            return legs;
        });
        return new JoinDecision.Admitted(in, next);
    }

    /**
     * Dial-out (RFC 4579 section 5.5): {@code actor} asks the focus to call {@code callee} into the
     * conference as leg {@code legId}. Only those who may run the conference may ({@link
     * RosterRules#mayControl}: an operator, the organizer, a connected presenter), else 403; then
     * as a join: 404 for an unknown or ended conference, 403 when locked and the callee does not
     * present, 486 when full (the lobby and legs being dialed count). A callee a presenter calls
     * is never sent to the lobby (the presenter admitted them by calling); the leg is stored
     * {@link ParticipantStatus#DIALING_OUT} until it answers ({@link RosterRules#answered}). A leg
     * already there (a retry): the same answer, nothing changes.
     */
    public static JoinDecision dialOut(
            Conference conference, Roster roster, Actor actor, String legId, Joiner callee, Instant now) {
        if (conference == null || roster.ended() || conference.expired(roster, now)) {
            return new JoinDecision.Refused(NOT_FOUND, "Conference not found");
        }
        if (!RosterRules.mayControl(conference, roster, actor)) {
            return new JoinDecision.Refused(FORBIDDEN, "Only presenters may dial out");
        }
        Participant already = roster.participants().get(legId);
        if (already != null) {
            return new JoinDecision.Admitted(already, roster);
        }
        boolean presenter = conference.presenterByDefinition(callee)
                || (callee.kind() != JoinerKind.ANONYMOUS && roster.presents(callee.uri()));
        if (roster.locked() && !presenter) {
            return new JoinDecision.Refused(FORBIDDEN, "Conference locked");
        }
        if (roster.size() >= conference.participantLimit()) {
            return new JoinDecision.Refused(
                    BUSY_HERE, "Conference full (" + conference.participantLimit() + " participants)");
        }
        Participant ringing = new Participant(
                legId,
                callee.uri(),
                callee.kind(),
                presenter ? Role.PRESENTER : Role.ATTENDEE,
                ParticipantStatus.DIALING_OUT,
                null,
                now);
        Roster next = roster.change(now, legs -> {
            legs.put(legId, ringing);
            return legs;
        });
        return new JoinDecision.Admitted(ringing, next);
    }

    /** Why a non-presenter waits, or null when it goes straight in. */
    private static LobbyReason lobbyReason(Conference conference, Roster roster, Joiner joiner) {
        boolean ours = joiner.kind() == JoinerKind.OUR_USER;
        boolean bypass = ours && conference.lobbyBypass();
        switch (conference.access()) {
            case OPEN:
                return null;
            case COMPANY:
                if (!ours) {
                    return LobbyReason.NOT_OUR_USER;
                }
                break;
            case INVITED:
                if (!conference.invitees().contains(joiner.uri()) && !bypass) {
                    return LobbyReason.NOT_INVITED;
                }
                break;
        }
        return roster.presenterPresent() || bypass ? null : LobbyReason.AWAITING_PRESENTER;
    }
}
