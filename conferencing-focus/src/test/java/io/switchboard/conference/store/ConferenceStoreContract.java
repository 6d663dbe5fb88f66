package io.switchboard.conference.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.JoinDecision;
import io.switchboard.conference.domain.JoinRules;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.domain.RosterChange;
import io.switchboard.conference.domain.RosterRules;
import io.switchboard.entity.fence.WriteStamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link ConferenceStore} does; the Cassandra store and the in-memory fake both pass it. */
abstract class ConferenceStoreContract {

    static final Instant NOW = Instant.parse("2026-12-05T09:00:00.123Z");

    abstract ConferenceStore store();

    static <T> T await(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Conference scheduled(String id, String numeric) {
        return new Conference(
                id,
                "example.test",
                numeric,
                "sip:alice@example.test",
                "Quarterly review",
                AccessType.INVITED,
                Set.of("sip:bob@example.test", "sip:erin@partner.example"),
                Presenters.listed("sip:carol@example.test"),
                true,
                100,
                new Expiry.Scheduled(NOW.plus(Duration.ofHours(2)), Duration.ofDays(14)),
                NOW);
    }

    static Conference adHoc(String id, String numeric) {
        return new Conference(
                id,
                "example.test",
                numeric,
                "sip:alice@example.test",
                "",
                AccessType.OPEN,
                Set.of(),
                Presenters.everyoneOfOurs(),
                false,
                Conference.DEFAULT_LIMIT,
                new Expiry.AdHoc(Duration.ofMinutes(5)),
                NOW);
    }

    static Roster join(Conference c, Roster r, String leg, Joiner j, Instant at) {
        JoinDecision d = JoinRules.decide(c, r, leg, j, at);
        return d instanceof JoinDecision.Admitted a ? a.next() : ((JoinDecision.Lobby) d).next();
    }

    @Test
    void stores_a_definition_and_each_roster_change_and_deletes_the_conference() {
        ConferenceStore s = store();
        Conference c = scheduled("aaaaaaaaaaaaaaaaaaa2", "1000002");
        assertThat(await(s.load(c.id()))).isEmpty();
        Roster created = Roster.created(NOW);
        await(s.create(c, created, WriteStamp.UNFENCED));
        assertThat(await(s.load(c.id()))).contains(new ConferenceStore.Stored(c, created));
        assertThat(await(s.ids())).contains(c.id());

        // a presenter, an invitee, a federated stranger in the lobby; then admit, lock, eject
        Roster r1 = join(c, created, "leg-carol", Joiner.ourUser("sip:carol@example.test"), NOW.plusSeconds(1));
        await(s.saveRoster(c, created, r1, WriteStamp.UNFENCED, false));
        Roster r2 = join(c, r1, "leg-erin", Joiner.federated("sip:erin@partner.example"), NOW.plusSeconds(2));
        Roster r3 = join(c, r2, "leg-frank", Joiner.federated("sip:frank@other.example"), NOW.plusSeconds(3));
        await(s.saveRoster(c, r1, r2, WriteStamp.UNFENCED, false));
        await(s.saveRoster(c, r2, r3, WriteStamp.UNFENCED, false));
        assertThat(await(s.load(c.id())).orElseThrow().roster()).isEqualTo(r3);
        assertThat(r3.pending()).isEqualTo(1);

        Actor carol = new Actor.User("sip:carol@example.test");
        Roster r4 = ((RosterChange.Applied) RosterRules.admit(c, r3, carol, "leg-frank", NOW.plusSeconds(4))).next();
        Roster r5 = ((RosterChange.Applied) RosterRules.setLocked(c, r4, carol, true, NOW.plusSeconds(5))).next();
        Roster r6 = ((RosterChange.Applied) RosterRules.eject(c, r5, carol, "leg-erin", NOW.plusSeconds(6))).next();
        await(s.saveRoster(c, r3, r4, WriteStamp.UNFENCED, false));
        await(s.saveRoster(c, r4, r5, WriteStamp.UNFENCED, false));
        await(s.saveRoster(c, r5, r6, WriteStamp.UNFENCED, false));
        ConferenceStore.Stored stored = await(s.load(c.id())).orElseThrow();
        assertThat(stored.conference()).isEqualTo(c);
        assertThat(stored.roster()).isEqualTo(r6);
        assertThat(stored.roster().version()).isEqualTo(7);
        assertThat(stored.roster().locked()).isTrue();
        assertThat(stored.roster().participants().keySet()).containsExactly("leg-carol", "leg-frank");

        await(s.delete(c.id(), WriteStamp.UNFENCED));
        assertThat(await(s.load(c.id()))).isEmpty();
        assertThat(await(s.ids())).doesNotContain(c.id());
        await(s.delete(c.id(), WriteStamp.UNFENCED)); // deleting what is gone is fine
    }

    @Test
    void an_ad_hoc_conference_keeps_its_grace_and_empty_since_through_the_store() {
        ConferenceStore s = store();
        Conference c = adHoc("aaaaaaaaaaaaaaaaaaa3", "1000003");
        Roster created = Roster.created(NOW);
        Roster joined = join(c, created, "leg-a", Joiner.ourUser("sip:alice@example.test"), NOW.plusSeconds(1));
        await(s.create(c, joined, WriteStamp.UNFENCED)); // created by the factory INVITE with its caller in it
        assertThat(await(s.load(c.id()))).contains(new ConferenceStore.Stored(c, joined));
        Roster left = ((RosterChange.Applied) RosterRules.leave(c, joined, "leg-a", NOW.plusSeconds(9))).next();
        await(s.saveRoster(c, joined, left, WriteStamp.UNFENCED, false));
        Roster back = await(s.load(c.id())).orElseThrow().roster();
        assertThat(back).isEqualTo(left);
        assertThat(c.expiresAt(back)).isEqualTo(NOW.plusSeconds(9).plus(Duration.ofMinutes(5)));
        await(s.delete(c.id(), WriteStamp.UNFENCED));
    }

    @Test
    void a_numeric_id_belongs_to_one_conference_until_it_releases_it() {
        ConferenceStore s = store();
        assertThat(await(s.claimNumber("2000001", "aaaaaaaaaaaaaaaaaaa4"))).isTrue();
        assertThat(await(s.claimNumber("2000001", "aaaaaaaaaaaaaaaaaaa4"))).isTrue(); // a retry
        assertThat(await(s.claimNumber("2000001", "aaaaaaaaaaaaaaaaaaa5"))).isFalse();
        assertThat(await(s.numberOwner("2000001"))).contains("aaaaaaaaaaaaaaaaaaa4");
        assertThat(await(s.releaseNumber("2000001", "aaaaaaaaaaaaaaaaaaa5"))).isFalse();
        assertThat(await(s.releaseNumber("2000001", "aaaaaaaaaaaaaaaaaaa4"))).isTrue();
        assertThat(await(s.numberOwner("2000001"))).isEmpty();
        assertThat(await(s.claimNumber("2000001", "aaaaaaaaaaaaaaaaaaa5"))).isTrue();
    }
}
