package io.switchboard.conference.domain;

import static io.switchboard.conference.domain.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RosterRulesTest {

    static final Actor OPERATOR = new Actor.Operator("ops");
    static final Actor ORGANIZER = new Actor.User(ALICE);
    static final Actor PRESENTER = new Actor.User(CAROL);
    static final Actor ATTENDEE = new Actor.User(DAVE);
    static final Actor OUTSIDER = new Actor.User("sip:mallory@example.test");

    /** Invited, Carol a listed presenter, Bob and Erin invited, no lobby bypass. */
    static Conference conf = conference(AccessType.INVITED);

    /**
     * Carol (presenter), Dave (our user) and an anonymous caller in the conference (they came in
     * while it was open), Frank (federated, not invited) in the lobby; the organizer Alice is not
     * connected.
     */
    Roster r;

    @BeforeEach
    void setUp() {
        Conference open = conference(AccessType.OPEN, Presenters.listed(CAROL), false, Conference.DEFAULT_LIMIT);
        r = join(open, empty(), "leg-carol", Joiner.ourUser(CAROL));
        r = join(open, r, "leg-dave", Joiner.ourUser(DAVE));
        r = join(open, r, "leg-anon", Joiner.anonymous(EVE));
        r = join(conf, r, "leg-frank", Joiner.federated("sip:frank@other.example")); // lobby: NOT_INVITED
        assertThat(r.participants().get("leg-frank").status()).isEqualTo(ParticipantStatus.PENDING);
        assertThat(r.version()).isEqualTo(5);
    }

    enum Op {
        ADMIT((r, a) -> RosterRules.admit(conf, r, a, "leg-frank", NOW)),
        DENY((r, a) -> RosterRules.deny(conf, r, a, "leg-frank", NOW)),
        EJECT((r, a) -> RosterRules.eject(conf, r, a, "leg-dave", NOW)),
        PROMOTE((r, a) -> RosterRules.setRole(conf, r, a, "leg-dave", Role.PRESENTER, NOW)),
        DEMOTE((r, a) -> RosterRules.setRole(conf, r, a, "leg-carol", Role.ATTENDEE, NOW)),
        LOCK((r, a) -> RosterRules.setLocked(conf, r, a, true, NOW)),
        END((r, a) -> RosterRules.end(conf, r, a, NOW));

        final BiFunction<Roster, Actor, RosterChange> apply;

        Op(BiFunction<Roster, Actor, RosterChange> apply) {
            this.apply = apply;
        }
    }

    /** Who may do what: every control operation by every kind of actor. */
    static Stream<Arguments> authorization() {
        Stream.Builder<Arguments> rows = Stream.builder();
        for (Op op : Op.values()) {
            rows.add(Arguments.of(op, OPERATOR, true));
            rows.add(Arguments.of(op, ORGANIZER, true)); // even from outside the conference
            rows.add(Arguments.of(op, PRESENTER, true));
            rows.add(Arguments.of(op, ATTENDEE, false));
            rows.add(Arguments.of(op, OUTSIDER, false));
        }
        return rows.build();
    }

    @ParameterizedTest(name = "{0} by {1}: allowed={2}")
    @MethodSource
    void authorization(Op op, Actor actor, boolean allowed) {
        RosterChange change = op.apply.apply(r, actor);
        if (allowed) {
            Roster next = ((RosterChange.Applied) change).next();
            assertThat(next.version()).isEqualTo(r.version() + 1);
        } else {
            assertThat(change).isInstanceOf(RosterChange.Refused.class);
            assertThat(((RosterChange.Refused) change).status()).isEqualTo(403);
            assertThat(((RosterChange.Refused) change).reason()).startsWith("Only presenters may");
        }
    }

    @Test
    void each_change_is_one_version_and_what_changes_nothing_keeps_the_version() {
        Roster a = ((RosterChange.Applied) RosterRules.admit(conf, r, PRESENTER, "leg-frank", NOW)).next();
        assertThat(a.version()).isEqualTo(6);
        assertThat(a.participants().get("leg-frank").status()).isEqualTo(ParticipantStatus.CONNECTED);
        Roster b = ((RosterChange.Applied) RosterRules.setLocked(conf, a, PRESENTER, true, NOW)).next();
        assertThat(b.version()).isEqualTo(7);
        assertThat(b.locked()).isTrue();
        assertThat(RosterRules.setLocked(conf, b, PRESENTER, true, NOW)).isEqualTo(new RosterChange.Unchanged());
        assertThat(RosterRules.setRole(conf, b, PRESENTER, "leg-carol", Role.PRESENTER, NOW))
                .isEqualTo(new RosterChange.Unchanged());
        assertThat(RosterRules.leave(conf, b, "leg-nobody", NOW)).isEqualTo(new RosterChange.Unchanged());
        Roster c = ((RosterChange.Applied) RosterRules.setLocked(conf, b, PRESENTER, false, NOW)).next();
        assertThat(c.version()).isEqualTo(8);
        assertThat(c.locked()).isFalse();
    }

    @Test
    void admit_and_deny_take_only_lobby_legs_and_work_while_locked() {
        Roster locked = ((RosterChange.Applied) RosterRules.setLocked(conf, r, PRESENTER, true, NOW)).next();
        assertThat(RosterRules.admit(conf, locked, PRESENTER, "leg-frank", NOW))
                .isInstanceOf(RosterChange.Applied.class);
        assertThat(RosterRules.admit(conf, r, PRESENTER, "leg-dave", NOW))
                .isEqualTo(new RosterChange.Refused(404, "No such participant in the lobby: leg-dave"));
        Roster denied = ((RosterChange.Applied) RosterRules.deny(conf, r, PRESENTER, "leg-frank", NOW)).next();
        assertThat(denied.participants()).doesNotContainKey("leg-frank");
        assertThat(RosterRules.deny(conf, denied, PRESENTER, "leg-frank", NOW))
                .isInstanceOf(RosterChange.Refused.class);
    }

    @Test
    void the_organizer_is_ejected_only_by_an_operator_and_never_demoted() {
        Roster withAlice = join(conf, r, "leg-alice", Joiner.ourUser(ALICE));
        assertThat(RosterRules.eject(conf, withAlice, PRESENTER, "leg-alice", NOW))
                .isEqualTo(new RosterChange.Refused(403, "Only an operator may eject the organizer"));
        assertThat(RosterRules.setRole(conf, withAlice, OPERATOR, "leg-alice", Role.ATTENDEE, NOW))
                .isEqualTo(new RosterChange.Refused(403, "The organizer always presents"));
        Roster ejected = ((RosterChange.Applied) RosterRules.eject(conf, withAlice, OPERATOR, "leg-alice", NOW)).next();
        assertThat(ejected.participants()).doesNotContainKey("leg-alice");
        assertThat(RosterRules.eject(conf, ejected, OPERATOR, "leg-alice", NOW))
                .isEqualTo(new RosterChange.Refused(404, "No such participant: leg-alice"));
    }

    @Test
    void promotion_needs_a_connected_leg_and_never_makes_an_anonymous_caller_present() {
        assertThat(RosterRules.setRole(conf, r, PRESENTER, "leg-anon", Role.PRESENTER, NOW))
                .isEqualTo(new RosterChange.Refused(403, "Anonymous participants cannot present"));
        assertThat(RosterRules.setRole(conf, r, PRESENTER, "leg-frank", Role.PRESENTER, NOW))
                .isInstanceOf(RosterChange.Refused.class)
                .extracting(c -> ((RosterChange.Refused) c).status())
                .isEqualTo(404);
        Roster promoted = ((RosterChange.Applied)
                        RosterRules.setRole(conf, r, PRESENTER, "leg-dave", Role.PRESENTER, NOW))
                .next();
        // Dave now presents, so he may admit; Carol, demoted by him, no longer may
        Roster demoted = ((RosterChange.Applied)
                        RosterRules.setRole(conf, promoted, ATTENDEE, "leg-carol", Role.ATTENDEE, NOW))
                .next();
        assertThat(RosterRules.mayControl(conf, demoted, ATTENDEE)).isTrue();
        assertThat(RosterRules.mayControl(conf, demoted, PRESENTER)).isFalse();
    }

    @Test
    void promoting_the_first_presenter_admits_those_waiting_for_one() {
        Conference company = conference(AccessType.COMPANY);
        Roster waiting = join(company, empty(), "leg-dave", Joiner.ourUser(DAVE));
        waiting = join(company, waiting, "leg-bob", Joiner.ourUser(BOB));
        assertThat(waiting.connected()).isZero();
        // an operator promotes Dave while he waits: refused, he is not in the conference yet
        assertThat(RosterRules.setRole(company, waiting, OPERATOR, "leg-dave", Role.PRESENTER, NOW))
                .isInstanceOf(RosterChange.Refused.class);
        Roster admitted =
                ((RosterChange.Applied) RosterRules.admit(company, waiting, OPERATOR, "leg-dave", NOW)).next();
        Roster promoted = ((RosterChange.Applied)
                        RosterRules.setRole(company, admitted, OPERATOR, "leg-dave", Role.PRESENTER, NOW))
                .next();
        assertThat(promoted.pending()).isZero();
        assertThat(promoted.version()).isEqualTo(admitted.version() + 1);
    }

    @Test
    void end_removes_everyone_and_then_nothing_more_is_done() {
        Roster ended = ((RosterChange.Applied) RosterRules.end(conf, r, PRESENTER, NOW)).next();
        assertThat(ended.ended()).isTrue();
        assertThat(ended.participants()).isEmpty();
        assertThat(ended.emptySince()).isEqualTo(NOW);
        assertThat(conf.expiresAt(ended)).isEqualTo(NOW);
        for (Op op : Op.values()) {
            assertThat(op.apply.apply(ended, OPERATOR))
                    .isEqualTo(new RosterChange.Refused(404, "Conference not found"));
        }
        assertThat(RosterRules.leave(conf, ended, "leg-dave", NOW))
                .isEqualTo(new RosterChange.Refused(404, "Conference not found"));
        assertThat(RosterRules.leave(null, r, "leg-dave", NOW)).isInstanceOf(RosterChange.Refused.class);
    }

    @Test
    void the_last_leaving_starts_the_ad_hoc_grace_period() {
        Conference adHoc = new Conference(
                ID,
                "example.test",
                "4711001",
                ALICE,
                "",
                AccessType.OPEN,
                java.util.Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                Conference.DEFAULT_LIMIT,
                new Expiry.AdHoc(java.time.Duration.ofMinutes(5)),
                NOW);
        Roster created = Roster.created(NOW);
        assertThat(adHoc.expiresAt(created)).isEqualTo(NOW.plusSeconds(300)); // nobody ever came
        Roster one = join(adHoc, created, "leg-alice", Joiner.ourUser(ALICE));
        Roster two = join(adHoc, one, "leg-dave", Joiner.ourUser(DAVE));
        assertThat(adHoc.expiresAt(two)).isNull();
        java.time.Instant later = NOW.plusSeconds(60);
        Roster left = ((RosterChange.Applied) RosterRules.leave(adHoc, two, "leg-alice", later)).next();
        assertThat(adHoc.expiresAt(left)).isNull(); // Dave is still there
        Roster empty = ((RosterChange.Applied) RosterRules.leave(adHoc, left, "leg-dave", later)).next();
        assertThat(empty.emptySince()).isEqualTo(later);
        assertThat(adHoc.expiresAt(empty)).isEqualTo(later.plusSeconds(300));
        assertThat(adHoc.expired(empty, later.plusSeconds(299))).isFalse();
        assertThat(adHoc.expired(empty, later.plusSeconds(300))).isTrue();
        // someone coming back within the grace period keeps it alive
        Roster back = join(adHoc, empty, "leg-dave-2", Joiner.ourUser(DAVE));
        assertThat(adHoc.expiresAt(back)).isNull();
    }
}
