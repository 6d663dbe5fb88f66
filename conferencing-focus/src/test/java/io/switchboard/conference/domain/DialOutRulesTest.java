package io.switchboard.conference.domain;

import static io.switchboard.conference.domain.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Dial-out by REFER (RFC 4579 section 5.5): who may, what is stored, and the callee's answer. */
class DialOutRulesTest {

    final Conference conf = conference(AccessType.COMPANY); // organizer alice, listed presenter carol
    final Roster withAlice = join(conf, empty(), "leg-alice", Joiner.ourUser(ALICE));
    final Roster withDave = join(conf, withAlice, "leg-dave", Joiner.ourUser(DAVE)); // an attendee

    static final Actor.User ORGANIZER = new Actor.User(ALICE);
    static final Actor.User ATTENDEE = new Actor.User(DAVE);

    JoinDecision dial(Roster r, Actor actor, String legId, Joiner callee) {
        return JoinRules.dialOut(conf, r, actor, legId, callee, NOW);
    }

    @Test
    void a_presenter_dials_out_and_the_callee_is_stored_dialing_out_without_a_lobby() {
        JoinDecision d = dial(withDave, ORGANIZER, "out-1", Joiner.ourUser(BOB));
        assertThat(d).isInstanceOf(JoinDecision.Admitted.class);
        Participant bob = ((JoinDecision.Admitted) d).participant();
        assertThat(bob.status()).isEqualTo(ParticipantStatus.DIALING_OUT);
        assertThat(bob.role()).isEqualTo(Role.ATTENDEE);
        assertThat(bob.lobbyReason()).isNull();
        Roster next = ((JoinDecision.Admitted) d).next();
        assertThat(next.version()).isEqualTo(withDave.version() + 1);
        assertThat(next.participants().get("out-1")).isEqualTo(bob);
        assertThat(next.pending()).as("not counted as the lobby").isZero();
        assertThat(next.connected()).isEqualTo(2);
        // a listed presenter called in presents
        Participant carol =
                ((JoinDecision.Admitted) dial(withDave, ORGANIZER, "out-2", Joiner.ourUser(CAROL))).participant();
        assertThat(carol.role()).isEqualTo(Role.PRESENTER);
        // a retry of the same leg: the same answer, nothing changes
        JoinDecision again = dial(next, ORGANIZER, "out-1", Joiner.ourUser(BOB));
        assertThat(((JoinDecision.Admitted) again).next()).isSameAs(next);
    }

    @Test
    void only_presenters_dial_out_and_lock_limit_and_end_apply_as_to_a_join() {
        assertThat(Fixtures.text(dial(withDave, ATTENDEE, "out-1", Joiner.ourUser(BOB))))
                .isEqualTo("403");
        // the organizer may, even from outside the conference (as for the other controls)
        assertThat(dial(empty(), ORGANIZER, "out-1", Joiner.ourUser(BOB))).isInstanceOf(JoinDecision.Admitted.class);
        assertThat(dial(withDave, new Actor.Operator("ops"), "out-1", Joiner.ourUser(BOB)))
                .isInstanceOf(JoinDecision.Admitted.class);

        Roster locked = ((RosterChange.Applied) RosterRules.setLocked(conf, withDave, ORGANIZER, true, NOW)).next();
        assertThat(dial(locked, ORGANIZER, "out-1", Joiner.ourUser(BOB)))
                .isEqualTo(new JoinDecision.Refused(403, "Conference locked"));
        assertThat(dial(locked, ORGANIZER, "out-1", Joiner.ourUser(CAROL)))
                .as("the lock keeps out new participants, not presenters")
                .isInstanceOf(JoinDecision.Admitted.class);

        Conference two = conference(AccessType.COMPANY, Presenters.listed(CAROL), false, 2);
        assertThat(JoinRules.dialOut(two, withDave, ORGANIZER, "out-1", Joiner.ourUser(BOB), NOW))
                .isEqualTo(new JoinDecision.Refused(486, "Conference full (2 participants)"));

        Roster ended = ((RosterChange.Applied) RosterRules.end(conf, withDave, ORGANIZER, NOW)).next();
        assertThat(Fixtures.text(dial(ended, ORGANIZER, "out-1", Joiner.ourUser(BOB))))
                .isEqualTo("404");
        assertThat(Fixtures.text(JoinRules.dialOut(null, empty(), ORGANIZER, "out-1", Joiner.ourUser(BOB), NOW)))
                .isEqualTo("404");
    }

    @Test
    void the_answer_connects_the_leg_once_and_a_presenter_answering_admits_those_waiting_for_one() {
        Roster dialing = ((JoinDecision.Admitted) dial(withDave, ORGANIZER, "out-1", Joiner.ourUser(BOB))).next();
        Roster in = ((RosterChange.Applied) RosterRules.answered(conf, dialing, "out-1", NOW)).next();
        assertThat(in.participants().get("out-1").status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(in.version()).isEqualTo(dialing.version() + 1);
        assertThat(RosterRules.answered(conf, in, "out-1", NOW)).isInstanceOf(RosterChange.Unchanged.class);
        assertThat(RosterRules.answered(conf, in, "gone", NOW))
                .isEqualTo(new RosterChange.Refused(404, "No such participant being dialed: gone"));

        // Dave waits for a presenter; the organizer (outside) dials Carol, a presenter: her answer lets Dave in
        Roster waiting = join(conf, empty(), "leg-dave", Joiner.ourUser(DAVE));
        assertThat(waiting.participants().get("leg-dave").lobbyReason()).isEqualTo(LobbyReason.AWAITING_PRESENTER);
        Roster ringingCarol = ((JoinDecision.Admitted) dial(waiting, ORGANIZER, "out-2", Joiner.ourUser(CAROL))).next();
        assertThat(ringingCarol.participants().get("leg-dave").status())
                .as("a presenter being dialed is not there yet")
                .isEqualTo(ParticipantStatus.PENDING);
        Roster carolIn = ((RosterChange.Applied) RosterRules.answered(conf, ringingCarol, "out-2", NOW)).next();
        assertThat(carolIn.participants().get("leg-dave").status()).isEqualTo(ParticipantStatus.CONNECTED);
    }

    @Test
    void admit_and_deny_leave_a_leg_being_dialed_alone() {
        Roster dialing = ((JoinDecision.Admitted) dial(withDave, ORGANIZER, "out-1", Joiner.ourUser(BOB))).next();
        assertThat(RosterRules.admit(conf, dialing, ORGANIZER, "out-1", NOW))
                .isEqualTo(new RosterChange.Refused(404, "No such participant in the lobby: out-1"));
        assertThat(RosterRules.deny(conf, dialing, ORGANIZER, "out-1", NOW))
                .isEqualTo(new RosterChange.Refused(404, "No such participant in the lobby: out-1"));
        // eject works on it (the presenter changed their mind), leave too (the callee declined)
        assertThat(RosterRules.eject(conf, dialing, ORGANIZER, "out-1", NOW)).isInstanceOf(RosterChange.Applied.class);
        assertThat(RosterRules.leave(conf, dialing, "out-1", NOW)).isInstanceOf(RosterChange.Applied.class);
    }

    @Test
    void conference_info_shows_a_leg_being_dialed_as_dialing_out_then_connected() {
        Roster dialing = ((JoinDecision.Admitted) dial(withDave, ORGANIZER, "out-1", Joiner.ourUser(BOB))).next();
        String full = ConferenceInfo.full(conf, dialing, dialing.version());
        assertThat(full).contains("<status>dialing-out</status>");
        Roster in = ((RosterChange.Applied) RosterRules.answered(conf, dialing, "out-1", NOW)).next();
        String partial = ConferenceInfo.partial(conf, dialing, in, in.version()).orElseThrow();
        assertThat(partial).contains("entity=\"" + BOB + "\"").contains("<status>connected</status>");
        assertThat(partial).doesNotContain("dialing-out");
    }
}
