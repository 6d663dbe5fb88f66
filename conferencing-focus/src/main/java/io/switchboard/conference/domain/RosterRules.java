package io.switchboard.conference.domain;

import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * Roster changes other than joining, and who may make them. Operators may make every change.
 * Users: admit, deny, eject, promote/demote, lock/unlock and end are for presenters, that is the
 * organizer (even from outside the conference, e.g. over the users' HTTP interface) and users
 * with a connected presenter leg; anyone else gets 403. Leaving is the leg's own (its BYE) and
 * needs no role. Further rules:
 *
 * <ul>
 *   <li>Admit and deny take a leg in the lobby; a presenter may admit while the conference is
 *       locked (the lock stops new joiners, not the presenters' decisions).</li>
 *   <li>Nobody but an operator ejects the organizer, and the organizer is never demoted: the one
 *       who owns the meeting cannot be locked out of it by a presenter they appointed.</li>
 *   <li>Promotion needs a connected leg, and never makes an anonymous caller a presenter.</li>
 *   <li>Ending removes every leg and marks the conference ended; it then expires at once.</li>
 *   <li>Nothing is done to an ended or expired conference: 404.</li>
 * </ul>
 */
public final class RosterRules {

    private RosterRules() {}

    public static RosterChange admit(Conference c, Roster r, Actor actor, String legId, Instant now) {
        return pendingLeg(c, r, actor, legId, now, "admit", legs -> {
            legs.computeIfPresent(legId, (id, p) -> p.admitted(now));
            return legs;
        });
    }

    public static RosterChange deny(Conference c, Roster r, Actor actor, String legId, Instant now) {
        return pendingLeg(c, r, actor, legId, now, "deny", legs -> {
            legs.remove(legId);
            return legs;
        });
    }

    public static RosterChange eject(Conference c, Roster r, Actor actor, String legId, Instant now) {
        RosterChange refused = check(c, r, actor, now, "eject participants");
        if (refused != null) {
            return refused;
        }
        Participant target = r.participants().get(legId);
        if (target == null) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "No such participant: " + legId);
        }
        if (isOrganizer(c, target) && !(actor instanceof Actor.Operator)) {
            return new RosterChange.Refused(JoinRules.FORBIDDEN, "Only an operator may eject the organizer");
        }
        return new RosterChange.Applied(r.change(now, legs -> {
            legs.remove(legId);
            return legs;
        }));
    }

    public static RosterChange setRole(Conference c, Roster r, Actor actor, String legId, Role role, Instant now) {
        RosterChange refused = check(c, r, actor, now, "change roles");
        if (refused != null) {
            return refused;
        }
        Participant target = r.participants().get(legId);
        if (target == null || !target.connected()) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "No such participant in the conference: " + legId);
        }
        if (target.role() == role) {
            return new RosterChange.Unchanged();
        }
        if (role == Role.PRESENTER && target.kind() == JoinerKind.ANONYMOUS) {
            return new RosterChange.Refused(JoinRules.FORBIDDEN, "Anonymous participants cannot present");
        }
        if (role == Role.ATTENDEE && isOrganizer(c, target)) {
            return new RosterChange.Refused(JoinRules.FORBIDDEN, "The organizer always presents");
        }
        return new RosterChange.Applied(r.change(now, legs -> {
            legs.put(legId, target.withRole(role));
            if (role == Role.PRESENTER) {
                // the first presenter in lets in those who waited only for one, as a join does
                legs.replaceAll((id, p) -> p.lobbyReason() == LobbyReason.AWAITING_PRESENTER ? p.admitted(now) : p);
            }
            return legs;
        }));
    }

    public static RosterChange setLocked(Conference c, Roster r, Actor actor, boolean locked, Instant now) {
        RosterChange refused = check(c, r, actor, now, locked ? "lock the conference" : "unlock the conference");
        if (refused != null) {
            return refused;
        }
        if (r.locked() == locked) {
            return new RosterChange.Unchanged();
        }
        return new RosterChange.Applied(r.change(now, locked, false, legs -> legs));
    }

    public static RosterChange end(Conference c, Roster r, Actor actor, Instant now) {
        RosterChange refused = check(c, r, actor, now, "end the conference");
        if (refused != null) {
            return refused;
        }
        return new RosterChange.Applied(r.change(now, r.locked(), true, legs -> {
            legs.clear();
            return legs;
        }));
    }

    /**
     * A leg the focus dialed out ({@link JoinRules#dialOut}) answered and is bridged to the mixer:
     * {@code connected}. A presenter's leg lets in those who waited only for a presenter, as a join
     * does. 404 when the leg is no longer there being dialed (ejected, the conference ended).
     */
    public static RosterChange answered(Conference c, Roster r, String legId, Instant now) {
        if (c == null || r.ended() || c.expired(r, now)) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "Conference not found");
        }
        Participant target = r.participants().get(legId);
        if (target == null) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "No such participant being dialed: " + legId);
        }
        if (target.status() != ParticipantStatus.DIALING_OUT) {
            return new RosterChange.Unchanged(); // answered already (a retry)
        }
        return new RosterChange.Applied(r.change(now, legs -> {
            Participant in = target.admitted(now);
            legs.put(legId, in);
            if (in.presenting()) {
                legs.replaceAll((id, p) -> p.lobbyReason() == LobbyReason.AWAITING_PRESENTER ? p.admitted(now) : p);
            }
            return legs;
        }));
    }

    /** The leg's own BYE (or its dialog's end): no role needed; an unknown leg changes nothing. */
    public static RosterChange leave(Conference c, Roster r, String legId, Instant now) {
        if (c == null || r.ended() || c.expired(r, now)) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "Conference not found");
        }
        if (!r.participants().containsKey(legId)) {
            return new RosterChange.Unchanged();
        }
        return new RosterChange.Applied(r.change(now, legs -> {
            legs.remove(legId);
            return legs;
        }));
    }

    /** Whether {@code actor} may run the conference: an operator, the organizer, or a connected presenter. */
    public static boolean mayControl(Conference c, Roster r, Actor actor) {
        if (actor instanceof Actor.Operator) {
            return true;
        }
        String uri = ((Actor.User) actor).uri();
        return uri.equals(c.organizer()) || r.presents(uri);
    }

    private static RosterChange pendingLeg(
            Conference c,
            Roster r,
            Actor actor,
            String legId,
            Instant now,
            String what,
            UnaryOperator<java.util.LinkedHashMap<String, Participant>> edit) {
        RosterChange refused = check(c, r, actor, now, what + " from the lobby");
        if (refused != null) {
            return refused;
        }
        Participant target = r.participants().get(legId);
        if (target == null || target.status() != ParticipantStatus.PENDING) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "No such participant in the lobby: " + legId);
        }
        return new RosterChange.Applied(r.change(now, edit));
    }

    private static RosterChange check(Conference c, Roster r, Actor actor, Instant now, String what) {
        if (c == null || r.ended() || c.expired(r, now)) {
            return new RosterChange.Refused(JoinRules.NOT_FOUND, "Conference not found");
        }
        if (!mayControl(c, r, actor)) {
            return new RosterChange.Refused(JoinRules.FORBIDDEN, "Only presenters may " + what);
        }
        return null;
    }

    private static boolean isOrganizer(Conference c, Participant p) {
        return p.kind() == JoinerKind.OUR_USER && p.uri().equals(c.organizer());
    }
}
