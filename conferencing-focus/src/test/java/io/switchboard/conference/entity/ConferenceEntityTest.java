package io.switchboard.conference.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Joiner;
import io.switchboard.conference.domain.LobbyReason;
import io.switchboard.conference.domain.ParticipantStatus;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Role;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.store.InMemoryConferenceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The conference entity with the in-memory store: write-through, serialized joins, control, expiry. */
class ConferenceEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String ALICE = "sip:alice@example.test";
    static final String CAROL = "sip:carol@example.test";
    static final Duration WAIT = Duration.ofSeconds(5);

    InMemoryConferenceStore store;
    int ids;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        store = new InMemoryConferenceStore();
    }

    String nextId() {
        ids++;
        return "aaaaaaaaaaaaaaaaaa" + (char) ('a' + ids / 26) + (char) ('a' + ids % 26);
    }

    Conference conference(String id, AccessType access, int limit, Expiry expiry) {
        return new Conference(
                id,
                "example.test",
                "47110" + String.format("%02d", ids),
                ALICE,
                "Planning",
                access,
                Set.of(),
                Presenters.listed(CAROL),
                false,
                limit,
                expiry,
                Instant.now());
    }

    Conference scheduled(AccessType access, int limit) {
        return conference(
                nextId(), access, limit, new Expiry.Scheduled(Instant.now().plusSeconds(3600), Duration.ofDays(1)));
    }

    ActorRef<ConferenceEntity.Command> spawn(String id) {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        ConferenceEntity.Settings settings =
                new ConferenceEntity.Settings(store, Clock.systemUTC(), Duration.ofSeconds(60), 100, null, null);
        return KIT.spawn(ConferenceEntity.create(id, settings, shard.getRef()));
    }

    ActorRef<ConferenceEntity.Command> created(Conference c) {
        ActorRef<ConferenceEntity.Command> entity = spawn(c.id());
        assertThat(create(entity, c)).isInstanceOf(ConferenceEntity.Created.class);
        return entity;
    }

    static ConferenceEntity.CreateReply create(ActorRef<ConferenceEntity.Command> entity, Conference c) {
        TestProbe<ConferenceEntity.CreateReply> reply = KIT.createTestProbe();
        entity.tell(new ConferenceEntity.Create(c, reply.getRef()));
        return reply.receiveMessage(WAIT);
    }

    static ConferenceEntity.JoinReply join(ActorRef<ConferenceEntity.Command> entity, String leg, Joiner joiner) {
        TestProbe<ConferenceEntity.JoinReply> reply = KIT.createTestProbe();
        entity.tell(new ConferenceEntity.Join(leg, joiner, reply.getRef()));
        return reply.receiveMessage(WAIT);
    }

    static ConferenceEntity.ChangeReply ask(
            ActorRef<ConferenceEntity.Command> entity,
            java.util.function.Function<ActorRef<ConferenceEntity.ChangeReply>, ConferenceEntity.Command> command) {
        TestProbe<ConferenceEntity.ChangeReply> reply = KIT.createTestProbe();
        entity.tell(command.apply(reply.getRef()));
        return reply.receiveMessage(WAIT);
    }

    Roster storedRoster(Conference c) {
        return store.stored(c.id()).orElseThrow().roster();
    }

    @Test
    void create_stores_the_conference_a_retry_is_answered_alike_and_a_taken_number_is_refused() {
        Conference c = scheduled(AccessType.OPEN, 250);
        ActorRef<ConferenceEntity.Command> entity = spawn(c.id());
        store.holdWrites(true);
        TestProbe<ConferenceEntity.CreateReply> reply = KIT.createTestProbe();
        entity.tell(new ConferenceEntity.Create(c, reply.getRef()));
        reply.expectNoMessage(Duration.ofMillis(300));
        assertThat(store.stored(c.id())).isEmpty();
        assertThat(store.release()).isEqualTo(1);
        store.holdWrites(false);
        ConferenceEntity.Created created = (ConferenceEntity.Created) reply.receiveMessage(WAIT);
        assertThat(created.roster().version()).isEqualTo(1);
        assertThat(store.stored(c.id()).orElseThrow().conference()).isEqualTo(c);

        assertThat(create(entity, c)).isEqualTo(created);
        Conference other = new Conference(
                c.id(),
                "example.test",
                "1234567",
                ALICE,
                "Other",
                AccessType.OPEN,
                Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                250,
                c.expiry(),
                c.createdAt());
        assertThat(((ConferenceEntity.CreateRefused) create(entity, other)).problem())
                .isEqualTo(ConferenceEntity.CreateProblem.EXISTS);

        // a second conference wanting the first one's numeric id
        Conference sameNumber = conference(nextId(), AccessType.OPEN, 250, new Expiry.AdHoc(Duration.ofMinutes(5)));
        sameNumber = new Conference(
                sameNumber.id(),
                "example.test",
                c.numericId(),
                ALICE,
                "",
                AccessType.OPEN,
                Set.of(),
                Presenters.ORGANIZER_ONLY,
                false,
                250,
                sameNumber.expiry(),
                sameNumber.createdAt());
        assertThat(((ConferenceEntity.CreateRefused) create(spawn(sameNumber.id()), sameNumber)).problem())
                .isEqualTo(ConferenceEntity.CreateProblem.NUMBER_TAKEN);
        assertThat(store.stored(sameNumber.id())).isEmpty();
    }

    static ConferenceEntity.MixerReply useMixer(ActorRef<ConferenceEntity.Command> entity, String candidate) {
        TestProbe<ConferenceEntity.MixerReply> reply = KIT.createTestProbe();
        entity.tell(new ConferenceEntity.UseMixer(candidate, reply.getRef()));
        return reply.receiveMessage(WAIT);
    }

    @Test
    void the_first_mixer_chosen_is_kept_while_anyone_is_in_and_forgotten_when_the_conference_empties() {
        Conference c = scheduled(AccessType.OPEN, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        assertThat(join(entity, "leg-1", Joiner.ourUser(ALICE))).isInstanceOf(ConferenceEntity.Admitted.class);
        assertThat(useMixer(entity, "sip:mcu-a@10.0.0.1"))
                .isEqualTo(new ConferenceEntity.MixerChosen("sip:mcu-a@10.0.0.1"));
        // another node's least-loaded choice differs: the conference stays on its mixer
        assertThat(useMixer(entity, "sip:mcu-b@10.0.0.2"))
                .isEqualTo(new ConferenceEntity.MixerChosen("sip:mcu-a@10.0.0.1"));
        assertThat(ask(entity, r -> new ConferenceEntity.Leave("leg-1", r))).isInstanceOf(ConferenceEntity.Done.class);
        assertThat(useMixer(entity, "sip:mcu-b@10.0.0.2"))
                .isEqualTo(new ConferenceEntity.MixerChosen("sip:mcu-b@10.0.0.2"));

        assertThat(useMixer(spawn(nextId()), "sip:mcu-a@10.0.0.1"))
                .isEqualTo(new ConferenceEntity.ChangeRefused(404, "Conference not found"));
    }

    static ConferenceEntity.MixerReply mixerAsk(
            ActorRef<ConferenceEntity.Command> entity,
            java.util.function.Function<ActorRef<ConferenceEntity.MixerReply>, ConferenceEntity.Command> command) {
        TestProbe<ConferenceEntity.MixerReply> reply = KIT.createTestProbe();
        entity.tell(command.apply(reply.getRef()));
        return reply.receiveMessage(WAIT);
    }

    @Test
    void a_failed_mixer_is_replaced_once_whichever_focus_saw_it_first_and_none_live_is_shown() {
        String a = "sip:mcu-a@10.0.0.1", b = "sip:mcu-b@10.0.0.2", c2 = "sip:mcu-c@10.0.0.3";
        Conference c = scheduled(AccessType.OPEN, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        assertThat(join(entity, "leg-1", Joiner.ourUser(ALICE))).isInstanceOf(ConferenceEntity.Admitted.class);
        useMixer(entity, a);
        // the first focus to see A down moves the conference to its candidate
        assertThat(mixerAsk(entity, r -> new ConferenceEntity.MoveMixer(a, b, r)))
                .isEqualTo(new ConferenceEntity.MixerChosen(b));
        // another focus that saw A down too, later, with another candidate, follows the first one's move
        assertThat(mixerAsk(entity, r -> new ConferenceEntity.MoveMixer(a, c2, r)))
                .isEqualTo(new ConferenceEntity.MixerChosen(b));
        assertThat(mixerAsk(entity, ConferenceEntity.GetMixer::new)).isEqualTo(new ConferenceEntity.MixerChosen(b));
        // B down with no live mixer left: none, shown as such, until a focus has a live one again
        assertThat(mixerAsk(entity, r -> new ConferenceEntity.MoveMixer(b, null, r)))
                .isEqualTo(new ConferenceEntity.MixerChosen(null));
        assertThat(mixerAsk(entity, ConferenceEntity.GetMixer::new)).isEqualTo(new ConferenceEntity.MixerChosen(null));
        assertThat(mixerAsk(entity, r -> new ConferenceEntity.MoveMixer(null, a, r)))
                .isEqualTo(new ConferenceEntity.MixerChosen(a));
        // a join meanwhile is given the conference's mixer, not its own candidate
        assertThat(useMixer(entity, c2)).isEqualTo(new ConferenceEntity.MixerChosen(a));

        // nobody in: no mixer is kept, whatever is proposed
        assertThat(ask(entity, r -> new ConferenceEntity.Leave("leg-1", r))).isInstanceOf(ConferenceEntity.Done.class);
        assertThat(mixerAsk(entity, r -> new ConferenceEntity.MoveMixer(null, b, r)))
                .isEqualTo(new ConferenceEntity.MixerChosen(null));
        assertThat(mixerAsk(spawn(nextId()), ConferenceEntity.GetMixer::new))
                .isEqualTo(new ConferenceEntity.ChangeRefused(404, "Conference not found"));
    }

    /** Dial-out: stored dialing-out before the reply, refused for an attendee with nothing stored, then connected. */
    @Test
    void a_dial_out_is_stored_before_its_reply_and_its_answer_connects_the_leg() {
        Conference c = scheduled(AccessType.COMPANY, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        Roster before = storedRoster(c);
        TestProbe<ConferenceEntity.JoinReply> refused = KIT.createTestProbe();
        entity.tell(new ConferenceEntity.DialOut(
                new Actor.User("sip:dave@example.test"), "out-1", Joiner.ourUser(CAROL), refused.getRef()));
        assertThat(refused.receiveMessage(WAIT))
                .isEqualTo(new ConferenceEntity.JoinRefused(403, "Only presenters may dial out"));
        assertThat(storedRoster(c)).isEqualTo(before);

        store.holdWrites(true);
        TestProbe<ConferenceEntity.JoinReply> reply = KIT.createTestProbe();
        entity.tell(
                new ConferenceEntity.DialOut(new Actor.User(ALICE), "out-1", Joiner.ourUser(CAROL), reply.getRef()));
        reply.expectNoMessage(Duration.ofMillis(300));
        assertThat(storedRoster(c).participants()).isEmpty();
        store.release();
        store.holdWrites(false);
        ConferenceEntity.Admitted dialing = (ConferenceEntity.Admitted) reply.receiveMessage(WAIT);
        assertThat(dialing.participant().status()).isEqualTo(ParticipantStatus.DIALING_OUT);
        assertThat(storedRoster(c)).isEqualTo(dialing.roster());

        ConferenceEntity.ChangeReply answered = ask(entity, r -> new ConferenceEntity.DialOutAnswered("out-1", r));
        assertThat(((ConferenceEntity.Done) answered)
                        .roster()
                        .participants()
                        .get("out-1")
                        .status())
                .isEqualTo(ParticipantStatus.CONNECTED);
        assertThat(storedRoster(c).participants().get("out-1").status()).isEqualTo(ParticipantStatus.CONNECTED);
    }

    @Test
    void a_join_is_answered_only_after_the_roster_is_stored_and_an_unknown_conference_is_404() {
        Conference c = scheduled(AccessType.COMPANY, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        store.holdWrites(true);
        TestProbe<ConferenceEntity.JoinReply> reply = KIT.createTestProbe();
        entity.tell(new ConferenceEntity.Join("leg-alice", Joiner.ourUser(ALICE), reply.getRef()));
        reply.expectNoMessage(Duration.ofMillis(300));
        assertThat(storedRoster(c).participants()).isEmpty();
        store.release();
        store.holdWrites(false);
        ConferenceEntity.Admitted admitted = (ConferenceEntity.Admitted) reply.receiveMessage(WAIT);
        assertThat(admitted.participant().role()).isEqualTo(Role.PRESENTER);
        assertThat(storedRoster(c)).isEqualTo(admitted.roster());
        assertThat(admitted.roster().version()).isEqualTo(2);

        assertThat(join(spawn(nextId()), "leg-1", Joiner.ourUser(ALICE)))
                .isEqualTo(new ConferenceEntity.JoinRefused(404, "Conference not found"));
    }

    @Test
    void twenty_joins_sent_at_once_are_each_counted_exactly_once_retries_included() {
        Conference c = scheduled(AccessType.OPEN, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        int writesBefore = store.rosterWrites();
        List<TestProbe<ConferenceEntity.JoinReply>> probes = new ArrayList<>();
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            TestProbe<ConferenceEntity.JoinReply> probe = KIT.createTestProbe();
            probes.add(probe);
            String leg = "leg-" + i;
            Joiner joiner = Joiner.ourUser("sip:user" + i + "@example.test");
            // from 20 threads at once; each join sent twice, as a retransmitted INVITE would be
            senders.add(CompletableFuture.runAsync(() -> {
                entity.tell(new ConferenceEntity.Join(leg, joiner, probe.getRef()));
                entity.tell(new ConferenceEntity.Join(leg, joiner, probe.getRef()));
            }));
        }
        senders.forEach(CompletableFuture::join);
        long maxVersion = 0;
        for (TestProbe<ConferenceEntity.JoinReply> probe : probes) {
            ConferenceEntity.Admitted first = (ConferenceEntity.Admitted) probe.receiveMessage(WAIT);
            ConferenceEntity.Admitted again = (ConferenceEntity.Admitted) probe.receiveMessage(WAIT);
            assertThat(again.participant()).isEqualTo(first.participant());
            // the retry is answered with the roster as it is then: other joins may have come between
            assertThat(again.roster().version())
                    .isGreaterThanOrEqualTo(first.roster().version());
            assertThat(again.roster().participants())
                    .containsEntry(first.participant().legId(), first.participant());
            maxVersion = Math.max(maxVersion, first.roster().version());
        }
        Roster stored = storedRoster(c);
        assertThat(stored.participants()).hasSize(20);
        assertThat(stored.version()).isEqualTo(21).isEqualTo(maxVersion);
        assertThat(store.rosterWrites() - writesBefore).isEqualTo(20);
    }

    @Test
    void the_limit_refuses_with_486_and_stores_nothing() {
        Conference c = scheduled(AccessType.OPEN, 2);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        assertThat(join(entity, "leg-1", Joiner.ourUser("sip:u1@example.test")))
                .isInstanceOf(ConferenceEntity.Admitted.class);
        assertThat(join(entity, "leg-2", Joiner.anonymous("sip:anonymous@anonymous.invalid")))
                .isInstanceOf(ConferenceEntity.Admitted.class);
        Roster before = storedRoster(c);
        int writes = store.rosterWrites();
        assertThat(join(entity, "leg-3", Joiner.ourUser(ALICE)))
                .isEqualTo(new ConferenceEntity.JoinRefused(486, "Conference full (2 participants)"));
        assertThat(storedRoster(c)).isEqualTo(before);
        assertThat(store.rosterWrites()).isEqualTo(writes);
    }

    @Test
    void lobby_admit_lock_eject_and_leave_are_authorized_by_role_and_stored() {
        Conference c = scheduled(AccessType.COMPANY, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        // an attendee before any presenter waits; the organizer's arrival lets him in
        ConferenceEntity.InLobby waiting =
                (ConferenceEntity.InLobby) join(entity, "leg-dave", Joiner.ourUser("sip:dave@example.test"));
        assertThat(waiting.reason()).isEqualTo(LobbyReason.AWAITING_PRESENTER);
        join(entity, "leg-alice", Joiner.ourUser(ALICE));
        assertThat(storedRoster(c).participants().get("leg-dave").status()).isEqualTo(ParticipantStatus.CONNECTED);

        ConferenceEntity.InLobby erin =
                (ConferenceEntity.InLobby) join(entity, "leg-erin", Joiner.federated("sip:erin@partner.example"));
        assertThat(erin.reason()).isEqualTo(LobbyReason.NOT_OUR_USER);
        Actor dave = new Actor.User("sip:dave@example.test");
        Actor alice = new Actor.User(ALICE);
        assertThat(ask(entity, r -> new ConferenceEntity.Admit(dave, "leg-erin", r)))
                .isEqualTo(new ConferenceEntity.ChangeRefused(403, "Only presenters may admit from the lobby"));
        ConferenceEntity.Done admitted =
                (ConferenceEntity.Done) ask(entity, r -> new ConferenceEntity.Admit(alice, "leg-erin", r));
        assertThat(admitted.roster().participants().get("leg-erin").connected()).isTrue();
        assertThat(storedRoster(c)).isEqualTo(admitted.roster());

        ConferenceEntity.Done locked =
                (ConferenceEntity.Done) ask(entity, r -> new ConferenceEntity.SetLocked(alice, true, r));
        assertThat(locked.roster().locked()).isTrue();
        assertThat(join(entity, "leg-bob", Joiner.ourUser("sip:bob@example.test")))
                .isEqualTo(new ConferenceEntity.JoinRefused(403, "Conference locked"));
        // locking again changes nothing and keeps the version
        assertThat(ask(entity, r -> new ConferenceEntity.SetLocked(alice, true, r)))
                .isEqualTo(locked);

        ConferenceEntity.Done ejected =
                (ConferenceEntity.Done) ask(entity, r -> new ConferenceEntity.Eject(alice, "leg-erin", r));
        assertThat(ejected.roster().participants()).doesNotContainKey("leg-erin");
        ConferenceEntity.Done left =
                (ConferenceEntity.Done) ask(entity, r -> new ConferenceEntity.Leave("leg-dave", r));
        assertThat(left.roster().participants().keySet()).containsExactly("leg-alice");
        assertThat(left.roster().version()).isEqualTo(ejected.roster().version() + 1);
        assertThat(storedRoster(c)).isEqualTo(left.roster());
    }

    @Test
    void a_failed_write_answers_unavailable_and_changes_nothing() {
        Conference c = scheduled(AccessType.OPEN, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        store.failWrites(new IllegalStateException("Cassandra down"));
        assertThat(join(entity, "leg-1", Joiner.ourUser(ALICE))).isInstanceOf(ConferenceEntity.Unavailable.class);
        store.failWrites(null);
        ConferenceEntity.Admitted admitted = (ConferenceEntity.Admitted) join(entity, "leg-1", Joiner.ourUser(ALICE));
        assertThat(admitted.roster().version()).isEqualTo(2);
    }

    @Test
    void an_ad_hoc_conference_expires_a_grace_period_after_the_last_leaves_and_frees_its_number() {
        Conference c = conference(nextId(), AccessType.OPEN, 250, new Expiry.AdHoc(Duration.ofMillis(400)));
        ActorRef<ConferenceEntity.Command> entity = created(c);
        join(entity, "leg-alice", Joiner.ourUser(ALICE));
        ask(entity, r -> new ConferenceEntity.Leave("leg-alice", r));
        assertThat(store.stored(c.id())).isPresent();
        TestProbe<ConferenceEntity.StateReply> state = KIT.createTestProbe();
        state.awaitAssert(WAIT, () -> {
            assertThat(store.stored(c.id())).isEmpty();
            return null;
        });
        assertThat(store.numberOwner(c.numericId()).toCompletableFuture().join())
                .isEmpty();
        assertThat(join(entity, "leg-alice-2", Joiner.ourUser(ALICE)))
                .isEqualTo(new ConferenceEntity.JoinRefused(404, "Conference not found"));
        entity.tell(new ConferenceEntity.GetConference(state.getRef()));
        assertThat(state.receiveMessage(WAIT))
                .isEqualTo(new ConferenceEntity.Current(c.id(), java.util.Optional.empty()));
    }

    @Test
    void ending_removes_everyone_and_the_conference_with_them() {
        Conference c = scheduled(AccessType.OPEN, 250);
        ActorRef<ConferenceEntity.Command> entity = created(c);
        join(entity, "leg-alice", Joiner.ourUser(ALICE));
        join(entity, "leg-dave", Joiner.ourUser("sip:dave@example.test"));
        assertThat(ask(entity, r -> new ConferenceEntity.End(new Actor.User("sip:dave@example.test"), r)))
                .isInstanceOf(ConferenceEntity.ChangeRefused.class);
        ConferenceEntity.Done ended =
                (ConferenceEntity.Done) ask(entity, r -> new ConferenceEntity.End(new Actor.Operator("ops"), r));
        assertThat(ended.roster().ended()).isTrue();
        TestProbe<Object> probe = KIT.createTestProbe();
        probe.awaitAssert(WAIT, () -> {
            assertThat(store.stored(c.id())).isEmpty();
            return null;
        });
        assertThat(join(entity, "leg-x", Joiner.ourUser(ALICE))).isInstanceOf(ConferenceEntity.JoinRefused.class);
    }
}
