package io.switchboard.conference.domain;

import static io.switchboard.conference.domain.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JoinRulesTest {

    enum Present {
        NOBODY,
        PRESENTER,
        ATTENDEE_ONLY
    }

    /** One row: access type, lobby bypass, who is there already, who joins, the expected decision. */
    static Stream<Arguments> access() {
        return Stream.of(
                // open: everyone straight in, no waiting for a presenter
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.ourUser(DAVE), "in ATTENDEE"),
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.federated(ERIN), "in ATTENDEE"),
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.anonymous(EVE), "in ATTENDEE"),
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.ourUser(ALICE), "in PRESENTER"),
                // an anonymous caller claiming the organizer's address is not the organizer
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.anonymous(ALICE), "in ATTENDEE"),
                // a federated caller with the organizer's address is not our organizer either
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.federated(ALICE), "in ATTENDEE"),
                row(AccessType.OPEN, false, Present.NOBODY, Joiner.ourUser(CAROL), "in PRESENTER"),
                // company: our users in once a presenter is there, federated to the lobby, anonymous refused
                row(AccessType.COMPANY, false, Present.PRESENTER, Joiner.ourUser(DAVE), "in ATTENDEE"),
                row(AccessType.COMPANY, false, Present.NOBODY, Joiner.ourUser(DAVE), "lobby AWAITING_PRESENTER"),
                row(AccessType.COMPANY, false, Present.ATTENDEE_ONLY, Joiner.ourUser(DAVE), "lobby AWAITING_PRESENTER"),
                row(AccessType.COMPANY, true, Present.NOBODY, Joiner.ourUser(DAVE), "in ATTENDEE"),
                row(AccessType.COMPANY, false, Present.PRESENTER, Joiner.federated(ERIN), "lobby NOT_OUR_USER"),
                row(AccessType.COMPANY, true, Present.PRESENTER, Joiner.federated(ERIN), "lobby NOT_OUR_USER"),
                row(AccessType.COMPANY, false, Present.PRESENTER, Joiner.anonymous(EVE), "403"),
                row(AccessType.COMPANY, false, Present.NOBODY, Joiner.ourUser(ALICE), "in PRESENTER"),
                // invited: invitees in (federated ones too), others to the lobby unless our users with bypass
                row(AccessType.INVITED, false, Present.PRESENTER, Joiner.ourUser(BOB), "in ATTENDEE"),
                row(AccessType.INVITED, false, Present.PRESENTER, Joiner.federated(ERIN), "in ATTENDEE"),
                row(AccessType.INVITED, false, Present.NOBODY, Joiner.ourUser(BOB), "lobby AWAITING_PRESENTER"),
                row(AccessType.INVITED, false, Present.NOBODY, Joiner.federated(ERIN), "lobby AWAITING_PRESENTER"),
                row(AccessType.INVITED, false, Present.PRESENTER, Joiner.ourUser(DAVE), "lobby NOT_INVITED"),
                row(AccessType.INVITED, true, Present.PRESENTER, Joiner.ourUser(DAVE), "in ATTENDEE"),
                row(AccessType.INVITED, true, Present.NOBODY, Joiner.ourUser(DAVE), "in ATTENDEE"),
                row(
                        AccessType.INVITED,
                        true,
                        Present.PRESENTER,
                        Joiner.federated("sip:x@other.example"),
                        "lobby NOT_INVITED"),
                row(AccessType.INVITED, false, Present.PRESENTER, Joiner.anonymous(BOB), "403"),
                row(AccessType.INVITED, false, Present.NOBODY, Joiner.ourUser(CAROL), "in PRESENTER"));
    }

    static Arguments row(AccessType access, boolean bypass, Present present, Joiner joiner, String expected) {
        return Arguments.of(access, bypass, present, joiner, expected);
    }

    @ParameterizedTest(name = "{0} bypass={1} with {2}: {3} -> {4}")
    @MethodSource
    void access(AccessType access, boolean bypass, Present present, Joiner joiner, String expected) {
        Conference c = conference(access, Presenters.listed(CAROL), bypass, Conference.DEFAULT_LIMIT);
        Roster r = empty();
        if (present == Present.PRESENTER) {
            r = join(c, r, "leg-alice", Joiner.ourUser(ALICE));
        } else if (present == Present.ATTENDEE_ONLY) {
            r = join(conference(AccessType.OPEN), r, "leg-x", Joiner.ourUser("sip:x@example.test"));
        }
        JoinDecision d = JoinRules.decide(c, r, "leg-new", joiner, NOW);
        assertThat(text(d)).isEqualTo(expected);
        if (d instanceof JoinDecision.Refused) {
            return;
        }
        Roster next = d instanceof JoinDecision.Admitted a ? a.next() : ((JoinDecision.Lobby) d).next();
        assertThat(next.version()).isEqualTo(r.version() + 1);
        assertThat(next.participants()).containsKey("leg-new");
        assertThat(next.emptySince()).isNull();
    }

    /** Presenters: the organizer plus a list, or everyone from our domains. */
    static Stream<Arguments> presenters() {
        return Stream.of(
                Arguments.of(Presenters.ORGANIZER_ONLY, Joiner.ourUser(ALICE), "in PRESENTER"),
                Arguments.of(Presenters.ORGANIZER_ONLY, Joiner.ourUser(CAROL), "in ATTENDEE"),
                Arguments.of(Presenters.listed(CAROL), Joiner.ourUser(CAROL), "in PRESENTER"),
                Arguments.of(Presenters.listed(ERIN), Joiner.federated(ERIN), "in PRESENTER"),
                Arguments.of(Presenters.listed(EVE), Joiner.anonymous(EVE), "in ATTENDEE"),
                Arguments.of(Presenters.everyoneOfOurs(), Joiner.ourUser(DAVE), "in PRESENTER"),
                Arguments.of(Presenters.everyoneOfOurs(), Joiner.federated(ERIN), "in ATTENDEE"),
                Arguments.of(Presenters.everyoneOfOurs(), Joiner.anonymous(EVE), "in ATTENDEE"));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @MethodSource
    void presenters(Presenters presenters, Joiner joiner, String expected) {
        Conference c = conference(AccessType.OPEN, presenters, false, Conference.DEFAULT_LIMIT);
        assertThat(text(JoinRules.decide(c, empty(), "leg-1", joiner, NOW))).isEqualTo(expected);
    }

    @Test
    void unknown_ended_and_expired_conferences_are_404_alike() {
        Conference c = conference(AccessType.OPEN);
        assertThat(JoinRules.decide(null, empty(), "l", Joiner.ourUser(DAVE), NOW))
                .isEqualTo(new JoinDecision.Refused(404, "Conference not found"));
        Roster ended = ((RosterChange.Applied) RosterRules.end(c, empty(), new Actor.Operator("op"), NOW)).next();
        assertThat(text(JoinRules.decide(c, ended, "l", Joiner.ourUser(ALICE), NOW)))
                .isEqualTo("404");
        // scheduled: 14 days after its end (one hour from NOW)
        java.time.Instant expiry = NOW.plus(Duration.ofHours(1)).plus(Duration.ofDays(14));
        assertThat(text(JoinRules.decide(c, empty(), "l", Joiner.ourUser(ALICE), expiry.minusMillis(1))))
                .isEqualTo("in PRESENTER");
        assertThat(text(JoinRules.decide(c, empty(), "l", Joiner.ourUser(ALICE), expiry)))
                .isEqualTo("404");
    }

    @Test
    void a_locked_conference_takes_presenters_only_with_403_and_a_reason_for_others() {
        Conference c = conference(AccessType.OPEN);
        Roster r = join(c, empty(), "leg-alice", Joiner.ourUser(ALICE));
        r = ((RosterChange.Applied) RosterRules.setLocked(c, r, new Actor.User(ALICE), true, NOW)).next();
        assertThat(JoinRules.decide(c, r, "leg-dave", Joiner.ourUser(DAVE), NOW))
                .isEqualTo(new JoinDecision.Refused(403, "Conference locked"));
        assertThat(text(JoinRules.decide(c, r, "leg-carol", Joiner.ourUser(CAROL), NOW)))
                .isEqualTo("in PRESENTER");
        // a user promoted in the meeting presents from a second device too
        Roster withDave = join(c, empty(), "leg-alice", Joiner.ourUser(ALICE));
        withDave = join(c, withDave, "leg-dave", Joiner.ourUser(DAVE));
        withDave = ((RosterChange.Applied)
                        RosterRules.setRole(c, withDave, new Actor.User(ALICE), "leg-dave", Role.PRESENTER, NOW))
                .next();
        withDave = ((RosterChange.Applied) RosterRules.setLocked(c, withDave, new Actor.User(ALICE), true, NOW)).next();
        assertThat(text(JoinRules.decide(c, withDave, "leg-dave-2", Joiner.ourUser(DAVE), NOW)))
                .isEqualTo("in PRESENTER");
    }

    @Test
    void the_limit_counts_the_lobby_and_refuses_with_486() {
        Conference c = conference(AccessType.COMPANY, Presenters.ORGANIZER_ONLY, false, 3);
        Roster r = join(c, empty(), "leg-alice", Joiner.ourUser(ALICE));
        r = join(c, r, "leg-dave", Joiner.ourUser(DAVE));
        r = join(c, r, "leg-erin", Joiner.federated(ERIN)); // in the lobby: counts
        assertThat(r.pending()).isEqualTo(1);
        JoinDecision full = JoinRules.decide(c, r, "leg-bob", Joiner.ourUser(BOB), NOW);
        assertThat(full).isEqualTo(new JoinDecision.Refused(486, "Conference full (3 participants)"));
        // presenters are not above the limit
        assertThat(text(JoinRules.decide(c, r, "leg-alice-2", Joiner.ourUser(ALICE), NOW)))
                .isEqualTo("486");
        // one leaves: the next gets in
        Roster after = ((RosterChange.Applied) RosterRules.leave(c, r, "leg-dave", NOW)).next();
        assertThat(text(JoinRules.decide(c, after, "leg-bob", Joiner.ourUser(BOB), NOW)))
                .isEqualTo("in ATTENDEE");
    }

    @Test
    void a_retried_join_of_the_same_leg_is_answered_as_before_and_changes_nothing() {
        Conference c = conference(AccessType.INVITED);
        Roster r = join(c, empty(), "leg-alice", Joiner.ourUser(ALICE));
        r = join(c, r, "leg-dave", Joiner.ourUser(DAVE));
        JoinDecision again = JoinRules.decide(c, r, "leg-dave", Joiner.ourUser(DAVE), NOW.plusSeconds(1));
        assertThat(again).isInstanceOf(JoinDecision.Lobby.class);
        assertThat(((JoinDecision.Lobby) again).next()).isSameAs(r);
        JoinDecision aliceAgain = JoinRules.decide(c, r, "leg-alice", Joiner.ourUser(ALICE), NOW);
        assertThat(((JoinDecision.Admitted) aliceAgain).next()).isSameAs(r);
    }

    @Test
    void the_first_presenter_admits_those_waiting_only_for_a_presenter_in_one_version() {
        Conference c = conference(AccessType.INVITED);
        Roster r = join(c, empty(), "leg-bob", Joiner.ourUser(BOB)); // invited, waits for a presenter
        r = join(c, r, "leg-dave", Joiner.ourUser(DAVE)); // not invited
        assertThat(r.participants().get("leg-bob").lobbyReason()).isEqualTo(LobbyReason.AWAITING_PRESENTER);
        long before = r.version();
        Roster after = join(c, r, "leg-carol", Joiner.ourUser(CAROL));
        assertThat(after.version()).isEqualTo(before + 1);
        assertThat(after.participants().get("leg-bob").status()).isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(after.participants().get("leg-bob").since()).isEqualTo(NOW);
        assertThat(after.participants().get("leg-dave").lobbyReason()).isEqualTo(LobbyReason.NOT_INVITED);
        assertThat(after.participants().keySet()).containsExactly("leg-bob", "leg-dave", "leg-carol");
    }

    @Test
    void an_attendee_is_not_a_presenter_for_the_waiting_rule() {
        Conference c = conference(AccessType.COMPANY);
        Roster r = join(c, empty(), "leg-dave", Joiner.ourUser(DAVE));
        Roster r2 = join(c, r, "leg-bob", Joiner.ourUser(BOB));
        assertThat(r2.pending()).isEqualTo(2);
        assertThat(r2.participants())
                .allSatisfy((String id, Participant p) ->
                        assertThat(p.lobbyReason()).isEqualTo(LobbyReason.AWAITING_PRESENTER));
        Roster withAlice = join(c, r2, "leg-alice", Joiner.ourUser(ALICE));
        assertThat(withAlice.connected()).isEqualTo(3);
        assertThat(withAlice.version()).isEqualTo(r2.version() + 1);
    }
}
