package io.switchboard.presence.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.Availability;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.store.PresentityStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A presentity's entity with in-memory stores and a recording watcher notifier: write-through
 * (docs/architecture.md, rule 2), aggregation driven by registrations and PUBLISH, coalesced fan-out, and
 * access changes.
 */
class PresentityEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String ALICE = "sip:alice@example.test";
    static final String BOB = "sip:bob@example.test";
    static final String CAROL = "sip:carol@example.test";
    static final Duration LONG = Duration.ofSeconds(5);

    LocalPresence presence;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        presence = new LocalPresence(KIT);
    }

    ActorRef<PresentityEntity.Command> alice(Duration coalesce) {
        return presence.presentity(ALICE, presence.presentitySettings(coalesce));
    }

    void register(String aor, String... endpointKeys) {
        presence.registered.put(aor, endpoints(endpointKeys));
    }

    static List<Endpoint> endpoints(String... keys) {
        return java.util.Arrays.stream(keys)
                .map(k -> new Endpoint(k, Instant.now()))
                .toList();
    }

    static PresentityEntity.PublishReply publish(ActorRef<PresentityEntity.Command> entity, PublishRequest request) {
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.Publish(request, probe.getRef()));
        return probe.receiveMessage(LONG);
    }

    static PresentityEntity.Published published(ActorRef<PresentityEntity.Command> entity, PublishRequest request) {
        PresentityEntity.PublishReply reply = publish(entity, request);
        assertThat(reply).isInstanceOf(PresentityEntity.Published.class);
        return (PresentityEntity.Published) reply;
    }

    static PresentityEntity.Watching watch(ActorRef<PresentityEntity.Command> entity, String watcher) {
        TestProbe<PresentityEntity.WatchReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.Watch(watcher, Instant.now().plusSeconds(3600), probe.getRef()));
        return probe.expectMessageClass(PresentityEntity.Watching.class, LONG);
    }

    static PresenceView view(ActorRef<PresentityEntity.Command> entity, String watcher) {
        TestProbe<PresentityEntity.ViewReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.GetView(watcher, probe.getRef()));
        return probe.expectMessageClass(PresentityEntity.CurrentView.class, LONG)
                .view();
    }

    static PresentityEntity.CurrentAccess setAccess(
            ActorRef<PresentityEntity.Command> entity, String key, AccessLevel level) {
        TestProbe<PresentityEntity.AccessReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.SetAccess(key, level, probe.getRef()));
        return probe.expectMessageClass(PresentityEntity.CurrentAccess.class, LONG);
    }

    LocalPresence.Fanout lastFanoutTo(String watcher) {
        List<LocalPresence.Fanout> f = presence.fanoutsTo(watcher);
        return f.isEmpty() ? null : f.get(f.size() - 1);
    }

    void awaitLastView(String watcher, Availability expected) {
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(lastFanoutTo(watcher)).isNotNull();
            assertThat(lastFanoutTo(watcher).view().availability()).isEqualTo(expected);
            return null;
        });
    }

    // ---------------------------------------------------------------- write-through (docs/architecture.md, rule 2)

    @Test
    void a_publish_arriving_after_its_deadline_is_not_applied_its_client_was_told_it_failed() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ofMillis(50));
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.Publish(
                Pidf.initial(ALICE, "ep-1", "busy", null), Instant.now().minusSeconds(1), probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(PresentityEntity.Unavailable.class);
        assertThat(presence.presentityStore.publications(ALICE))
                .as("nothing stored")
                .isEmpty();
        entity.tell(new PresentityEntity.Publish(
                Pidf.initial(ALICE, "ep-1", "busy", null), Instant.now().plusSeconds(5), probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).as("within its deadline").isInstanceOf(PresentityEntity.Published.class);
    }

    @Test
    void publish_is_answered_only_after_the_store_acknowledged() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        watch(entity, BOB);
        presence.presentityStore.gate.hold(true);
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.Publish(Pidf.initial(ALICE, "ep-1", "busy", null), probe.getRef()));

        probe.expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.presentityStore.gate.held()).isEqualTo(1);
        assertThat(presence.presentityStore.publications(ALICE)).isEmpty();
        assertThat(presence.fanoutsTo(BOB))
                .as("no watcher told before the store has it")
                .isEmpty();

        presence.presentityStore.gate.hold(false);
        presence.presentityStore.gate.release();
        PresentityEntity.Published ok = probe.expectMessageClass(PresentityEntity.Published.class, LONG);
        assertThat(ok.expires()).as("RFC 3903: no Expires, the default").isEqualTo(3600);
        assertThat(presence.presentityStore.publications(ALICE))
                .extracting(PresentityStore.StoredPublication::etag)
                .containsExactly(ok.etag());
        awaitLastView(BOB, Availability.BUSY);
    }

    @Test
    void a_failed_write_answers_unavailable_and_changes_nothing() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        watch(entity, BOB);
        PresentityEntity.Published first = published(entity, Pidf.initial(ALICE, "ep-1", "busy", null));
        awaitLastView(BOB, Availability.BUSY);
        int fanouts = presence.fanouts.size();

        presence.presentityStore.gate.fail(new IllegalStateException("cassandra down"));
        PresentityEntity.PublishReply failed =
                publish(entity, Pidf.modify(first.etag(), ALICE, "ep-1", "do-not-disturb", null));
        assertThat(failed).isInstanceOf(PresentityEntity.Unavailable.class);
        presence.presentityStore.gate.fail(null);

        assertThat(view(entity, null).availability()).isEqualTo(Availability.BUSY);
        assertThat(presence.presentityStore.publications(ALICE))
                .extracting(PresentityStore.StoredPublication::etag)
                .containsExactly(first.etag());
        assertThat(presence.fanouts).as("no watcher heard of the failed change").hasSize(fanouts);
        // the failed request did not replace the publication: its entity-tag still matches (RFC 3903 s6 step 3)
        PresentityEntity.Published refreshed = published(entity, Pidf.refresh(first.etag(), "ep-1", 600));
        assertThat(refreshed.etag())
                .as("RFC 3903 s6: a new tag for every success")
                .isNotEqualTo(first.etag());
    }

    @Test
    void a_refused_publish_gets_the_rules_answer_and_writes_nothing() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        PresentityEntity.PublishReply unknown = publish(entity, Pidf.refresh("no-such-tag", "ep-1", 600));
        assertThat(unknown).isEqualTo(new PresentityEntity.PublishRefused(412, "Conditional Request Failed", 0));
        PresentityEntity.PublishReply brief = publish(
                entity,
                new PublishRequest(
                        null,
                        10,
                        Pidf.body(ALICE, "busy", null),
                        Pidf.interpret(Pidf.body(ALICE, "busy", null)),
                        "ep-1"));
        assertThat(brief).isInstanceOf(PresentityEntity.PublishRefused.class);
        assertThat(((PresentityEntity.PublishRefused) brief).status()).isEqualTo(423);
        assertThat(((PresentityEntity.PublishRefused) brief).minExpires()).isEqualTo(60);
        assertThat(presence.presentityStore.publications(ALICE)).isEmpty();
    }

    @Test
    void a_new_instance_loads_the_stored_publications() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> first = alice(Duration.ZERO);
        published(first, Pidf.initial(ALICE, "ep-1", "do-not-disturb", null));
        KIT.stop(first);
        ActorRef<PresentityEntity.Command> second = alice(Duration.ZERO);
        assertThat(view(second, null).availability())
                .as("no publication is forgotten")
                .isEqualTo(Availability.DO_NOT_DISTURB);
    }

    @Test
    void a_new_instance_sends_its_stored_watchers_the_current_view() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> first = alice(Duration.ZERO);
        watch(first, BOB);
        published(first, Pidf.initial(ALICE, "ep-1", "busy", null));
        awaitLastView(BOB, Availability.BUSY);
        KIT.stop(first);
        int before = presence.fanoutsTo(BOB).size();
        long lastVersion = lastFanoutTo(BOB).version();

        // takeover, started by whatever message comes next: nobody knows what Bob last saw
        LocalPresence.started(alice(Duration.ZERO));
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.fanoutsTo(BOB)).hasSizeGreaterThan(before);
            return null;
        });
        LocalPresence.Fanout resent = lastFanoutTo(BOB);
        assertThat(resent.view().availability()).isEqualTo(Availability.BUSY);
        assertThat(resent.version()).as("versions keep rising across instances").isGreaterThan(lastVersion);
    }

    @Test
    void a_publication_that_expires_is_dropped_and_watchers_are_told() {
        register(ALICE, "ep-1");
        PublishRules oneSecond = new PublishRules(new PublishRules.Limits(1, 3600, 86_400, 32));
        ActorRef<PresentityEntity.Command> entity = presence.presentity(
                ALICE, presence.presentitySettings(Duration.ZERO, oneSecond, Duration.ofSeconds(30)));
        watch(entity, BOB);
        String body = Pidf.body(ALICE, "busy", null);
        published(entity, new PublishRequest(null, 1, body, Pidf.interpret(body), "ep-1"));
        awaitLastView(BOB, Availability.BUSY);
        awaitLastView(BOB, Availability.AVAILABLE); // RFC 3903 s4: expired state is gone; the binding remains
        assertThat(view(entity, null).availability()).isEqualTo(Availability.AVAILABLE);
    }

    @Test
    void a_view_is_sent_again_until_the_watcher_acknowledges_it() {
        register(ALICE, "ep-1");
        Duration retry = Duration.ofMillis(200);
        ActorRef<PresentityEntity.Command> entity = presence.presentity(
                ALICE,
                presence.presentitySettings(Duration.ZERO, new PublishRules(PublishRules.Limits.DEFAULTS), retry));
        watch(entity, BOB);
        published(entity, Pidf.initial(ALICE, "ep-1", "busy", null));
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.fanoutsTo(BOB))
                    .as("first send and at least two resends")
                    .hasSizeGreaterThanOrEqualTo(3);
            return null;
        });
        assertThat(presence.fanoutsTo(BOB))
                .extracting(LocalPresence.Fanout::version)
                .containsOnly(lastFanoutTo(BOB).version());

        entity.tell(new PresentityEntity.Ack(BOB, lastFanoutTo(BOB).version()));
        KIT.createTestProbe().expectNoMessage(retry.multipliedBy(2)); // an ack in flight may cross one resend
        int acked = presence.fanoutsTo(BOB).size();
        KIT.createTestProbe().expectNoMessage(retry.multipliedBy(4));
        assertThat(presence.fanoutsTo(BOB)).as("no resend after the ack").hasSize(acked);
    }

    // ---------------------------------------------------------------- aggregation (Skype for Business model)

    /** Alice's presentity with a shard probe and owner epochs that count their claims (each: one LWT in Cassandra). */
    ActorRef<PresentityEntity.Command> aliceCounting(
            TestProbe<ClusterSharding.ShardCommand> shard, java.util.concurrent.atomic.AtomicInteger claims) {
        PresentityEntity.Settings s = presence.presentitySettings(Duration.ZERO);
        PresentityEntity.Settings counting = new PresentityEntity.Settings(
                s.store(),
                s.access(),
                s.endpoints(),
                s.watchers(),
                s.rules(),
                s.customStates(),
                s.domains(),
                s.coalesce(),
                s.retry(),
                s.passivateAfter(),
                s.stashCapacity(),
                s.clock(),
                s.maxWatchers(),
                s.refusals(),
                (type, key) -> CompletableFuture.completedFuture((long) claims.incrementAndGet()));
        return KIT.spawn(PresentityEntity.create(ALICE, counting, shard.getRef()));
    }

    @Test
    void a_registration_change_does_not_start_a_presentity_nobody_watches() {
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        java.util.concurrent.atomic.AtomicInteger claims = new java.util.concurrent.atomic.AtomicInteger();
        ActorRef<PresentityEntity.Command> entity = aliceCounting(shard, claims);

        register(ALICE, "ep-1"); // the registrar has the new endpoint when it tells presence
        entity.tell(new PresentityEntity.EndpointsChanged(endpoints("ep-1")));

        // dormant (StartGate.linger, 30 s, before it asks to be passivated): nothing claimed or loaded
        shard.expectNoMessage(Duration.ofMillis(500));
        assertThat(claims).as("no owner epoch claimed").hasValue(0);
        // a phone's SUBSCRIBE or PUBLISH right after starts it, and it computes from the registrar
        assertThat(view(entity, BOB).availability()).isEqualTo(Availability.AVAILABLE);
        assertThat(claims).hasValue(1);
        shard.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void a_registration_change_starts_a_watched_presentity_and_its_watchers_hear_of_it() {
        java.util.concurrent.atomic.AtomicInteger claims = new java.util.concurrent.atomic.AtomicInteger();
        ActorRef<PresentityEntity.Command> first = aliceCounting(KIT.createTestProbe(), claims);
        assertThat(watch(first, BOB).view().availability()).isEqualTo(Availability.OFFLINE);
        KIT.stop(first); // passivated, or its node lost: Bob's watch is only in the store now

        register(ALICE, "ep-1"); // the registrar has the new endpoint when it tells presence
        TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
        ActorRef<PresentityEntity.Command> next = aliceCounting(shard, claims);
        next.tell(new PresentityEntity.EndpointsChanged(endpoints("ep-1")));

        awaitLastView(BOB, Availability.AVAILABLE);
        assertThat(claims).as("the watched one started, and claimed its epoch").hasValue(2);
        shard.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void registration_and_publish_drive_what_watchers_see() {
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        assertThat(watch(entity, BOB).view().availability())
                .as("no binding: Offline")
                .isEqualTo(Availability.OFFLINE);

        entity.tell(new PresentityEntity.EndpointsChanged(endpoints("ep-1")));
        awaitLastView(BOB, Availability.AVAILABLE);

        published(entity, Pidf.initial(ALICE, "ep-1", "busy", null));
        awaitLastView(BOB, Availability.BUSY);

        entity.tell(new PresentityEntity.EndpointsChanged(List.of()));
        awaitLastView(BOB, Availability.OFFLINE);

        assertThat(presence.fanoutsTo(BOB))
                .extracting(f -> f.view().availability())
                .containsExactly(Availability.AVAILABLE, Availability.BUSY, Availability.OFFLINE);
        assertThat(presence.fanoutsTo(BOB))
                .extracting(LocalPresence.Fanout::version)
                .isSorted()
                .doesNotHaveDuplicates();
    }

    @Test
    void a_registered_endpoint_found_at_load_makes_the_user_available() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        assertThat(watch(entity, BOB).view().availability()).isEqualTo(Availability.AVAILABLE);
    }

    // ---------------------------------------------------------------- storms (issue 4 item 8)

    @Test
    void rapid_publishes_are_coalesced_into_at_most_two_fanouts_carrying_the_latest_state() {
        register(ALICE, "ep-1");
        // long enough that ten in-memory PUBLISHes fit in one interval even on a loaded machine
        Duration interval = Duration.ofMillis(500);
        ActorRef<PresentityEntity.Command> entity = alice(interval);
        watch(entity, BOB);
        setAccess(entity, BOB, AccessLevel.FRIENDS_AND_FAMILY); // so Bob sees the note
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.fanoutsTo(BOB)).isNotEmpty();
            return null;
        });
        KIT.createTestProbe().expectNoMessage(interval.multipliedBy(2)); // let that fan-out's interval pass
        int before = presence.fanoutsTo(BOB).size();

        TestProbe<PresentityEntity.PublishReply> replies = KIT.createTestProbe();
        for (int i = 1; i <= 10; i++) {
            // later endpoints sort later, so the last note wins even within one millisecond
            entity.tell(new PresentityEntity.Publish(
                    Pidf.initial(ALICE, String.format("ep-%02d", i), "busy", "note " + i), replies.getRef()));
        }
        assertThat(replies.receiveSeveralMessages(10, LONG)).allMatch(PresentityEntity.Published.class::isInstance);
        replies.awaitAssert(LONG, () -> {
            assertThat(lastFanoutTo(BOB).view().note()).isEqualTo("note 10");
            return null;
        });
        replies.expectNoMessage(interval.multipliedBy(2)); // nothing more may come after the interval

        List<LocalPresence.Fanout> storm =
                presence.fanoutsTo(BOB).subList(before, presence.fanoutsTo(BOB).size());
        assertThat(storm).as("fan-outs for 10 PUBLISHes within one interval").hasSizeBetween(1, 2);
        assertThat(storm.get(storm.size() - 1).view().note()).isEqualTo("note 10");
    }

    // ---------------------------------------------------------------- authorization (issue 4 item 5)

    @Test
    void blocking_a_watcher_re_notifies_it_at_once_with_offline() {
        register(ALICE, "ep-1");
        // an hour: were the access change coalesced like a state change, nothing would come
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ofHours(1));
        watch(entity, BOB);
        published(entity, Pidf.initial(ALICE, "ep-1", "busy", "in the lab"));
        awaitLastView(BOB, Availability.BUSY);

        PresentityEntity.CurrentAccess access = setAccess(entity, BOB, AccessLevel.BLOCKED);
        assertThat(access.policy().byWatcher()).containsEntry(BOB, AccessLevel.BLOCKED);
        assertThat(presence.accessStore.stored(ALICE).byWatcher()).containsEntry(BOB, AccessLevel.BLOCKED);
        awaitLastView(BOB, Availability.OFFLINE);
        assertThat(lastFanoutTo(BOB).view()).isEqualTo(PresenceView.offline(ALICE, Instant.EPOCH));
        assertThat(lastFanoutTo(BOB).pidf())
                .contains("<basic>closed</basic>")
                .doesNotContain("busy")
                .doesNotContain("in the lab");
    }

    @Test
    void a_blocked_watcher_never_sees_the_real_state_afterwards() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        watch(entity, BOB);
        watch(entity, CAROL);
        PresentityEntity.Published p = published(entity, Pidf.initial(ALICE, "ep-1", "busy", null));
        awaitLastView(CAROL, Availability.BUSY);

        setAccess(entity, BOB, AccessLevel.BLOCKED);
        awaitLastView(BOB, Availability.OFFLINE);
        int blockedFrom = presence.fanoutsTo(BOB).size() - 1;

        p = published(entity, Pidf.modify(p.etag(), ALICE, "ep-1", "do-not-disturb", "secret"));
        awaitLastView(CAROL, Availability.DO_NOT_DISTURB);
        entity.tell(new PresentityEntity.EndpointsChanged(endpoints("ep-1", "ep-2")));
        published(entity, Pidf.modify(p.etag(), ALICE, "ep-1", "available", null));
        awaitLastView(CAROL, Availability.AVAILABLE);
        assertThat(watch(entity, BOB).view().availability()).isEqualTo(Availability.OFFLINE);
        assertThat(view(entity, BOB).availability()).isEqualTo(Availability.OFFLINE);

        List<LocalPresence.Fanout> sinceBlocked = presence.fanoutsTo(BOB)
                .subList(blockedFrom, presence.fanoutsTo(BOB).size());
        assertThat(sinceBlocked)
                .isNotEmpty()
                .allSatisfy(f -> assertThat(f.view()).isEqualTo(PresenceView.offline(ALICE, Instant.EPOCH)));

        setAccess(entity, BOB, null); // unblocked: back to the default level, re-notified at once
        awaitLastView(BOB, Availability.AVAILABLE);
    }

    @Test
    void an_access_change_the_store_refuses_changes_nothing() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        watch(entity, BOB);
        published(entity, Pidf.initial(ALICE, "ep-1", "busy", null));
        awaitLastView(BOB, Availability.BUSY);
        int before = presence.fanoutsTo(BOB).size();

        presence.accessStore.gate.fail(new IllegalStateException("cassandra down"));
        TestProbe<PresentityEntity.AccessReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.SetAccess(BOB, AccessLevel.BLOCKED, probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(PresentityEntity.Unavailable.class);
        presence.accessStore.gate.fail(null);

        assertThat(view(entity, BOB).availability()).isEqualTo(Availability.BUSY);
        assertThat(presence.accessStore.stored(ALICE).byWatcher()).doesNotContainKey(BOB);
        assertThat(presence.fanoutsTo(BOB)).hasSize(before);
    }

    @Test
    void a_blocked_watcher_that_starts_watching_sees_offline() {
        register(ALICE, "ep-1");
        ActorRef<PresentityEntity.Command> entity = alice(Duration.ZERO);
        published(entity, Pidf.initial(ALICE, "ep-1", "busy", null));
        setAccess(entity, "sip:mallory@example.test", AccessLevel.BLOCKED);
        assertThat(watch(entity, "sip:mallory@example.test").view())
                .isEqualTo(PresenceView.offline(ALICE, Instant.EPOCH));
        assertThat(watch(entity, BOB).view().availability()).isEqualTo(Availability.BUSY);
    }
}
