package io.switchboard.conference.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/** Conferences and rosters the rule tables start from. */
final class Fixtures {
    static final Instant NOW = Instant.parse("2026-12-05T09:00:00Z");
    static final String ID = "abcdefghijklmnopqrst";
    static final String ALICE = "sip:alice@example.test"; // organizer
    static final String BOB = "sip:bob@example.test"; // invitee
    static final String CAROL = "sip:carol@example.test"; // listed presenter
    static final String DAVE = "sip:dave@example.test"; // our user, neither invited nor presenter
    static final String ERIN = "sip:erin@partner.example"; // federated
    static final String EVE = "sip:anonymous@anonymous.invalid";

    private Fixtures() {}

    static Conference conference(AccessType access) {
        return conference(access, Presenters.listed(CAROL), false, Conference.DEFAULT_LIMIT);
    }

    static Conference conference(AccessType access, Presenters presenters, boolean bypass, int limit) {
        return new Conference(
                ID,
                "example.test",
                "4711001",
                ALICE,
                "Weekly sync",
                access,
                Set.of(BOB, ERIN),
                presenters,
                bypass,
                limit,
                new Expiry.Scheduled(NOW.plus(Duration.ofHours(1)), Duration.ofDays(14)),
                NOW.minus(Duration.ofDays(1)));
    }

    static Roster empty() {
        return Roster.created(NOW.minusSeconds(600));
    }

    /** {@code roster} after {@code joiner} joined as leg {@code legId} (whatever the decision). */
    static Roster join(Conference c, Roster roster, String legId, Joiner joiner) {
        JoinDecision d = JoinRules.decide(c, roster, legId, joiner, NOW);
        if (d instanceof JoinDecision.Admitted a) {
            return a.next();
        }
        if (d instanceof JoinDecision.Lobby l) {
            return l.next();
        }
        throw new AssertionError("refused: " + d);
    }

    /** A short text for a join decision, for tables: "in PRESENTER", "lobby NOT_INVITED", "403". */
    static String text(JoinDecision d) {
        if (d instanceof JoinDecision.Admitted a) {
            return "in " + a.participant().role();
        }
        if (d instanceof JoinDecision.Lobby l) {
            return "lobby " + l.reason();
        }
        return String.valueOf(((JoinDecision.Refused) d).status());
    }
}
