package io.switchboard.presence.entity;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.switchboard.entity.AskBudget;
import io.switchboard.entity.TimeLeft;
import io.switchboard.entity.fence.OwnerEpochs;
import io.switchboard.presence.domain.Availability;
import io.switchboard.presence.domain.CustomStates;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.store.CassandraPresenceStore;
import io.switchboard.sip.flow.Flow;
import io.switchboard.storage.CassandraSessions;
import io.switchboard.storage.testing.TestCassandra;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md, rule 10: a presentity taken over by a node whose clock is not the previous
 * owner's (an injected {@link Clock} offset, the same Cassandra) decides nothing by comparing the two
 * clocks. Its views outrank the previous owner's, whose watchers would otherwise ignore them (view
 * versions come from the owner epoch, not the wall clock), and the publications and watchers it
 * loads live as long as Cassandra keeps them (expiries from the rows' TTLs, not from the instants
 * the other node wrote); so do the subscription dialogs a watcher entity loads.
 */
class SkewedClocksTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String KEYSPACE = "presence_skewed_clocks_test";
    static final String BOB = "sip:bob@example.test";
    static final Duration LONG = Duration.ofSeconds(10);

    static CassandraPresenceStore store;
    /** The owner epochs the presentity's successive owners claim: 1, 2, ... as Cassandra's would be. */
    final AtomicLong epochs = new AtomicLong();

    LocalPresence presence;
    String presentity;

    @BeforeAll
    static void schema() {
        CqlSession session = TestCassandra.session(KEYSPACE);
        CassandraSessions.applySchema(session, CassandraPresenceStore.class, CassandraPresenceStore.SCHEMA);
        store = new CassandraPresenceStore(session);
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        presence = new LocalPresence(KIT);
        // a presentity of its own per test: the rows stay in the shared keyspace
        presentity = "sip:alice-" + Long.toHexString(System.nanoTime()) + "@example.test";
        presence.registered.put(presentity, List.of(new Endpoint("ep-1", Instant.now()))); // its phone
    }

    @Test
    void an_owner_whose_clock_is_behind_still_outranks_the_views_of_the_owner_before_it() {
        ActorRef<PresentityEntity.Command> first = ownerOn(Clock.systemUTC());
        watch(first, Instant.now().plusSeconds(3600));
        published(first, "busy");
        long before = awaitLastFanout(Availability.BUSY).version();
        stop(first);

        // the next owner runs on a node whose clock is an hour behind; it sends its view on start
        int seen = presence.fanoutsTo(BOB).size();
        ActorRef<PresentityEntity.Command> next = ownerOn(offset(Duration.ofHours(-1)));
        LocalPresence.Fanout fromNext = awaitFanoutAfter(seen);
        assertThat(fromNext.version())
                .as("the new owner's view must outrank the old owner's, or the watcher keeps the old one")
                .isGreaterThan(before);
        published(next, "away");
        assertThat(awaitLastFanout(Availability.AWAY).version()).isGreaterThan(fromNext.version());
    }

    @Test
    void an_owner_whose_clock_is_ahead_keeps_the_publications_and_watchers_cassandra_keeps() {
        ActorRef<PresentityEntity.Command> first = ownerOn(Clock.systemUTC());
        watch(first, Instant.now().plusSeconds(3600));
        published(first, "busy"); // the default 3600 s
        awaitLastFanout(Availability.BUSY);
        stop(first);

        // two hours ahead: by the instants the first owner stored, everything ended an hour ago;
        // Cassandra still holds it for about an hour, and so must the new owner
        int seen = presence.fanoutsTo(BOB).size();
        ActorRef<PresentityEntity.Command> next = ownerOn(offset(Duration.ofHours(2)));
        assertThat(awaitFanoutAfter(seen).view().availability())
                .as("the watcher is still watched and sees the publication")
                .isEqualTo(Availability.BUSY);
        TestProbe<PresentityEntity.ViewReply> probe = KIT.createTestProbe();
        next.tell(new PresentityEntity.GetView(BOB, probe.getRef()));
        assertThat(probe.expectMessageClass(PresentityEntity.CurrentView.class, LONG)
                        .view()
                        .availability())
                .isEqualTo(Availability.BUSY);
    }

    @Test
    void a_watch_for_a_lifetime_lasts_that_long_on_a_presentity_whose_clock_is_ahead() {
        ActorRef<PresentityEntity.Command> ahead = ownerOn(offset(Duration.ofHours(2)));
        TestProbe<PresentityEntity.WatchReply> probe = KIT.createTestProbe();
        ahead.tell(new PresentityEntity.WatchFor(BOB, Duration.ofSeconds(600), probe.getRef()));
        probe.expectMessageClass(PresentityEntity.Watching.class, LONG);
        published(ahead, "busy");
        assertThat(awaitLastFanout(Availability.BUSY).presentity()).isEqualTo(presentity);
    }

    @Test
    void control_a_watch_until_an_instant_of_the_watchers_clock_ends_at_once_on_a_presentity_ahead() {
        ActorRef<PresentityEntity.Command> ahead = ownerOn(offset(Duration.ofHours(2)));
        watch(ahead, Instant.now().plusSeconds(600)); // the watcher's node's instant: two hours ago there
        published(ahead, "busy");
        KIT.createTestProbe().expectNoMessage(Duration.ofSeconds(1));
        assertThat(presence.fanoutsTo(BOB))
                .as("what rule 10 forbids: the watch ended by comparing two nodes' clocks")
                .noneMatch(f -> f.view().availability() == Availability.BUSY);
    }

    @Test
    void a_watcher_taken_over_by_an_owner_whose_clock_is_ahead_keeps_its_dialogs() {
        presence.presentity(presentity, presence.presentitySettings(Duration.ZERO)); // in memory: not the point here
        String watcher = "sip:bob-" + Long.toHexString(System.nanoTime()) + "@example.test";
        ActorRef<WatcherEntity.Command> first = watcherOn(watcher, Clock.systemUTC());
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        first.tell(new WatcherEntity.Subscribe(draft(watcher, "t1"), 3600, probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(WatcherEntity.Subscribed.class);
        awaitNotifies("t1", 1);
        KIT.stop(first, LONG);

        // two hours ahead: by the instant the first owner stored, the dialog ended an hour ago;
        // Cassandra keeps it for about an hour, and the new owner goes on with it
        watcherOn(watcher, offset(Duration.ofHours(2)));
        NotifySender.Notify resumed = awaitNotifies("t1", 2).get(1);
        assertThat(resumed.subscriptionState()).startsWith("active;expires=");
        long left = Long.parseLong(resumed.subscriptionState().substring("active;expires=".length()));
        assertThat(left).as("what Cassandra has left of 3600 s").isBetween(3500L, 3600L);
    }

    // ------------------------------------------ asks across skewed clocks (issue 17, item 5)

    /** The shipped defaults: registrar.ask-timeout 5 s, availability.write-timeout 2 s, answer-margin 1 s. */
    static final AskBudget BUDGET = new AskBudget(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(1));
    /** The asking edge's node, an hour behind; the entities below run two hours ahead. */
    static final Clock ASKER = offset(Duration.ofHours(-1));

    @Test
    void a_publish_within_its_time_left_is_applied_by_a_presentity_hours_ahead_of_its_asker() {
        ActorRef<PresentityEntity.Command> ahead = ownerOn(offset(Duration.ofHours(2)));
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        ahead.tell(new PresentityEntity.PublishWithin(
                Pidf.initial(presentity, "ep-1", "busy", null), BUDGET.timeLeft(), probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(PresentityEntity.Published.class);
        assertThat(view(ahead)).isEqualTo(Availability.BUSY);
    }

    @Test
    void control_a_publish_before_an_instant_of_the_askers_clock_is_refused_by_a_presentity_ahead() {
        ActorRef<PresentityEntity.Command> ahead = ownerOn(offset(Duration.ofHours(2)));
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        ahead.tell(new PresentityEntity.Publish(
                Pidf.initial(presentity, "ep-1", "busy", null), BUDGET.answerBy(ASKER.instant()), probe.getRef()));
        assertThat(probe.receiveMessage(LONG))
                .as("what rule 10 forbids: by the entity's clock the asker stopped waiting three hours ago")
                .isInstanceOf(PresentityEntity.Unavailable.class);
        assertThat(view(ahead)).isNotEqualTo(Availability.BUSY);
    }

    @Test
    void a_publish_whose_time_ran_out_is_not_applied() {
        AtomicLong nanos = new AtomicLong(); // the monotonic clock of the node holding the message
        ActorRef<PresentityEntity.Command> entity = ownerOn(Clock.systemUTC());
        TimeLeft left = TimeLeft.of(BUDGET.waiting(), nanos::get);
        nanos.addAndGet(BUDGET.waiting().plusMillis(1).toNanos()); // it waited that long on its way
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.PublishWithin(
                Pidf.initial(presentity, "ep-1", "busy", null), left, probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(PresentityEntity.Unavailable.class);
        assertThat(view(entity)).isNotEqualTo(Availability.BUSY);
    }

    @Test
    void a_subscribe_and_a_refresh_within_their_time_left_succeed_on_a_watcher_hours_ahead_of_its_asker() {
        presence.presentity(presentity, presence.presentitySettings(Duration.ZERO));
        String watcher = "sip:bob-" + Long.toHexString(System.nanoTime()) + "@example.test";
        ActorRef<WatcherEntity.Command> ahead = watcherOn(watcher, offset(Duration.ofHours(2)));
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        ahead.tell(new WatcherEntity.SubscribeWithin(
                new WatcherEntity.Subscribe(draft(watcher, "t1"), 3600, probe.getRef()), BUDGET.timeLeft()));
        WatcherEntity.Subscribed subscribed = probe.expectMessageClass(WatcherEntity.Subscribed.class, LONG);
        awaitNotifies("t1", 1);

        ahead.tell(new WatcherEntity.RefreshWithin(
                new WatcherEntity.Refresh(subscribed.localTag(), 1800, null, null, probe.getRef()), BUDGET.timeLeft()));
        assertThat(probe.expectMessageClass(WatcherEntity.Subscribed.class, LONG)
                        .expires())
                .isEqualTo(1800);
    }

    @Test
    void control_a_subscribe_and_a_refresh_before_an_instant_of_the_askers_clock_are_refused_by_a_watcher_ahead() {
        presence.presentity(presentity, presence.presentitySettings(Duration.ZERO));
        String watcher = "sip:bob-" + Long.toHexString(System.nanoTime()) + "@example.test";
        ActorRef<WatcherEntity.Command> ahead = watcherOn(watcher, offset(Duration.ofHours(2)));
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        ahead.tell(new WatcherEntity.SubscribeBefore(
                new WatcherEntity.Subscribe(draft(watcher, "t1"), 3600, probe.getRef()),
                BUDGET.answerBy(ASKER.instant())));
        assertThat(probe.receiveMessage(LONG)).as("what rule 10 forbids").isInstanceOf(WatcherEntity.Unavailable.class);

        ahead.tell(new WatcherEntity.Subscribe(draft(watcher, "t2"), 3600, probe.getRef()));
        String tag =
                probe.expectMessageClass(WatcherEntity.Subscribed.class, LONG).localTag();
        ahead.tell(new WatcherEntity.RefreshBefore(
                new WatcherEntity.Refresh(tag, 1800, null, null, probe.getRef()), BUDGET.answerBy(ASKER.instant())));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(WatcherEntity.Unavailable.class);
    }

    @Test
    void a_subscribe_whose_time_ran_out_creates_no_dialog() {
        presence.presentity(presentity, presence.presentitySettings(Duration.ZERO));
        String watcher = "sip:bob-" + Long.toHexString(System.nanoTime()) + "@example.test";
        ActorRef<WatcherEntity.Command> entity = watcherOn(watcher, Clock.systemUTC());
        AtomicLong nanos = new AtomicLong();
        TimeLeft left = TimeLeft.of(BUDGET.waiting(), nanos::get);
        nanos.addAndGet(BUDGET.waiting().plusMillis(1).toNanos());
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        entity.tell(new WatcherEntity.SubscribeWithin(
                new WatcherEntity.Subscribe(draft(watcher, "t1"), 3600, probe.getRef()), left));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(WatcherEntity.Unavailable.class);
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.sender.sent("t1")).as("no NOTIFY: no dialog").isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private ActorRef<WatcherEntity.Command> watcherOn(String watcher, Clock clock) {
        OwnerEpochs owners = (type, key) -> CompletableFuture.completedFuture(epochs.incrementAndGet());
        WatcherEntity.Settings settings = new WatcherEntity.Settings(
                store,
                presence.contactStore,
                presence,
                presence.sender,
                Duration.ZERO,
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                3,
                Duration.ofMinutes(5),
                100,
                clock,
                null,
                Integer.MAX_VALUE,
                cap -> {},
                owners);
        return presence.watcher(watcher, settings);
    }

    private Subscription draft(String watcher, String tag) {
        return new Subscription(
                watcher,
                tag,
                "call-" + tag + "-" + watcher,
                "from-" + tag,
                presentity,
                watcher,
                "sip:bob@192.0.2.10:5060",
                List.of(),
                new Flow("udp", "192.0.2.10", 5060, null, null),
                null,
                List.of(presentity),
                null,
                false,
                Instant.EPOCH,
                0);
    }

    private List<NotifySender.Notify> awaitNotifies(String tag, int count) {
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.sender.sent(tag)).hasSizeGreaterThanOrEqualTo(count);
            return null;
        });
        return presence.sender.sent(tag);
    }

    private ActorRef<PresentityEntity.Command> ownerOn(Clock clock) {
        OwnerEpochs owners = (type, key) -> CompletableFuture.completedFuture(epochs.incrementAndGet());
        PresentityEntity.Settings settings = new PresentityEntity.Settings(
                store,
                presence.accessStore,
                p -> CompletableFuture.completedFuture(presence.registered.getOrDefault(p, List.of())),
                presence,
                new PublishRules(PublishRules.Limits.DEFAULTS),
                CustomStates.NONE,
                LocalPresence.DOMAINS,
                Duration.ofMillis(20),
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                100,
                clock,
                Integer.MAX_VALUE,
                cap -> {},
                owners);
        return LocalPresence.started(presence.presentity(presentity, settings));
    }

    private static Clock offset(Duration by) {
        return Clock.offset(Clock.systemUTC(), by);
    }

    private void watch(ActorRef<PresentityEntity.Command> entity, Instant until) {
        TestProbe<PresentityEntity.WatchReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.Watch(BOB, until, probe.getRef()));
        probe.expectMessageClass(PresentityEntity.Watching.class, LONG);
    }

    private void published(ActorRef<PresentityEntity.Command> entity, String state) {
        TestProbe<PresentityEntity.PublishReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.Publish(Pidf.initial(presentity, "ep-1", state, null), probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(PresentityEntity.Published.class);
    }

    private Availability view(ActorRef<PresentityEntity.Command> entity) {
        TestProbe<PresentityEntity.ViewReply> probe = KIT.createTestProbe();
        entity.tell(new PresentityEntity.GetView(null, probe.getRef()));
        return probe.expectMessageClass(PresentityEntity.CurrentView.class, LONG)
                .view()
                .availability();
    }

    private static void stop(ActorRef<PresentityEntity.Command> entity) {
        KIT.stop(entity, LONG);
    }

    private LocalPresence.Fanout awaitLastFanout(Availability expected) {
        return KIT.createTestProbe().awaitAssert(LONG, () -> {
            List<LocalPresence.Fanout> f = presence.fanoutsTo(BOB);
            assertThat(f).isNotEmpty();
            assertThat(f.get(f.size() - 1).view().availability()).isEqualTo(expected);
            return f.get(f.size() - 1);
        });
    }

    private LocalPresence.Fanout awaitFanoutAfter(int seen) {
        return KIT.createTestProbe().awaitAssert(LONG, () -> {
            List<LocalPresence.Fanout> f = presence.fanoutsTo(BOB);
            assertThat(f).hasSizeGreaterThan(seen);
            return f.get(seen);
        });
    }
}
