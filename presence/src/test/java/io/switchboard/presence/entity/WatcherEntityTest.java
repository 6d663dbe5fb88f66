package io.switchboard.presence.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.NotifyOutcome;
import io.switchboard.presence.domain.PublishRequest;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A watcher's entity wired to real presentity entities (in-memory stores, recording NOTIFY
 * sender): the notifier's side of RFC 6665 dialogs, stored before they are answered, with CSeq
 * that keeps rising across a takeover by a new instance (issue 4 item 7).
 */
class WatcherEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String ALICE = "sip:alice@example.test";
    static final String CAROL = "sip:carol@example.test";
    static final String BOB = "sip:bob@example.test";
    static final String LIST = "sip:bob-buddies@example.test";
    static final Flow UDP = new Flow("udp", "192.0.2.10", 5060, null, null);
    static final Duration LONG = Duration.ofSeconds(5);
    static final Pattern ACTIVE = Pattern.compile("active;expires=(\\d+)");

    LocalPresence presence;
    WatcherEntity.Settings settings;
    /** Alice's current publication, so each change is a modify of it. */
    String aliceEtag;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        presence = new LocalPresence(KIT);
        presence.registered.put(ALICE, List.of(new Endpoint("ep-a", Instant.now())));
        presence.registered.put(CAROL, List.of(new Endpoint("ep-c", Instant.now())));
        presence.presentity(ALICE, presence.presentitySettings(Duration.ZERO));
        presence.presentity(CAROL, presence.presentitySettings(Duration.ZERO));
        settings = presence.watcherSettings(Duration.ZERO, 3);
        aliceEtag = null;
    }

    static Subscription draft(String tag, String... resources) {
        return new Subscription(
                BOB,
                tag,
                "call-" + tag,
                "from-" + tag,
                resources[0],
                BOB,
                "sip:bob@192.0.2.10:5060",
                List.of(),
                UDP,
                null,
                List.of(resources),
                null,
                false,
                Instant.EPOCH,
                0);
    }

    static Subscription listDraft(String tag, String... resources) {
        return new Subscription(
                BOB,
                tag,
                "call-" + tag,
                "from-" + tag,
                LIST,
                BOB,
                "sip:bob@192.0.2.10:5060",
                List.of(),
                UDP,
                null,
                List.of(resources),
                LIST,
                false,
                Instant.EPOCH,
                0);
    }

    static WatcherEntity.SubscribeReply subscribe(ActorRef<WatcherEntity.Command> w, Subscription draft, long expires) {
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.Subscribe(draft, expires, probe.getRef()));
        return probe.receiveMessage(LONG);
    }

    static WatcherEntity.SubscribeReply refresh(ActorRef<WatcherEntity.Command> w, String tag, long expires) {
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.Refresh(tag, expires, null, null, probe.getRef()));
        return probe.receiveMessage(LONG);
    }

    /** Alice publishes {@code state} (a modify of her publication after the first). */
    void alicePublishes(String state) throws Exception {
        PublishRequest request = aliceEtag == null
                ? Pidf.initial(ALICE, "ep-a", state, null)
                : Pidf.modify(aliceEtag, ALICE, "ep-a", state, null);
        PresentityEntity.PublishReply reply =
                presence.publish(ALICE, request).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(reply).isInstanceOf(PresentityEntity.Published.class);
        aliceEtag = ((PresentityEntity.Published) reply).etag();
    }

    List<NotifySender.Notify> awaitNotifies(String tag, int count) {
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.sender.sent(tag)).hasSizeGreaterThanOrEqualTo(count);
            return null;
        });
        return presence.sender.sent(tag);
    }

    static long cseqOf(NotifySender.Notify n) {
        return n.cseq();
    }

    // ---------------------------------------------------------------- new subscription (RFC 6665 s4.2.1)

    @Test
    void a_subscription_is_stored_before_it_is_answered_then_notified_active() {
        presence.subscriptionStore.gate.hold(true);
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.Subscribe(draft("t1", ALICE), 600, probe.getRef()));

        probe.expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.subscriptionStore.gate.held()).isEqualTo(1);
        assertThat(presence.subscriptionStore.stored(BOB)).isEmpty();
        assertThat(presence.sender.sent()).isEmpty();

        presence.subscriptionStore.gate.hold(false);
        presence.subscriptionStore.gate.release();
        assertThat(probe.receiveMessage(LONG)).isEqualTo(new WatcherEntity.Subscribed("t1", 600));
        Subscription stored = presence.subscriptionStore.stored(BOB, "t1");
        assertThat(stored).isNotNull();
        assertThat(stored.cseqCeiling())
                .as("the first block of CSeqs is reserved with the dialog")
                .isEqualTo(3);
        assertThat(stored.resources()).containsExactly(ALICE);
        assertThat(stored.expiresAt()).isAfter(Instant.now().plusSeconds(590));

        NotifySender.Notify first = awaitNotifies("t1", 1).get(0);
        assertThat(first.cseq()).isEqualTo(1);
        Matcher m = ACTIVE.matcher(first.subscriptionState());
        assertThat(m.matches()).as(first.subscriptionState()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isBetween(590L, 600L);
        assertThat(first.contentType()).isEqualTo("application/pidf+xml");
        assertThat(first.body()).contains("entity=\"" + ALICE + "\"").contains("<sb:state>available</sb:state>");
        assertThat(first.eventlist()).isFalse();
        assertThat(first.dialog().callId()).isEqualTo("call-t1");
    }

    @Test
    void a_failed_store_write_refuses_the_subscription_and_sends_nothing() {
        presence.subscriptionStore.gate.fail(new IllegalStateException("cassandra down"));
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        assertThat(subscribe(w, draft("t1", ALICE), 600)).isInstanceOf(WatcherEntity.Unavailable.class);
        presence.subscriptionStore.gate.fail(null);
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.sender.sent()).isEmpty();
        assertThat(refresh(w, "t1", 600))
                .isEqualTo(new WatcherEntity.SubscribeRefused(481, "Subscription does not exist"));
    }

    @Test
    void every_change_is_notified_with_the_next_cseq() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        alicePublishes("busy");
        NotifySender.Notify second = awaitNotifies("t1", 2).get(1);
        assertThat(second.cseq()).isEqualTo(2);
        assertThat(second.body()).contains("<sb:state>busy</sb:state>");
        alicePublishes("away");
        NotifySender.Notify third = awaitNotifies("t1", 3).get(2);
        assertThat(third.cseq()).isEqualTo(3);
        assertThat(third.body()).contains("<sb:state>away</sb:state>");
    }

    // ---------------------------------------------------------------- CSeq across node loss (issue 4 item 7)

    record Ceiling(long value) {}

    record Sent(long cseq) {}

    /** Every NOTIFY's CSeq is at or below a ceiling the store acknowledged before it was sent. */
    static void assertCeilingWrittenFirst(List<Object> timeline) {
        long ceiling = 0;
        for (Object e : timeline) {
            if (e instanceof Ceiling c) {
                ceiling = Math.max(ceiling, c.value());
            } else if (e instanceof Sent s) {
                assertThat(s.cseq())
                        .as("CSeq %d sent with stored ceiling %d; timeline %s", s.cseq(), ceiling, timeline)
                        .isLessThanOrEqualTo(ceiling);
            }
        }
    }

    @Test
    void notify_cseq_keeps_rising_when_a_new_instance_takes_the_dialog_over() throws Exception {
        List<Object> timeline = new CopyOnWriteArrayList<>();
        presence.subscriptionStore.onPut(s -> timeline.add(new Ceiling(s.cseqCeiling())));
        presence.sender.onSend(n -> timeline.add(new Sent(n.cseq())));

        ActorRef<WatcherEntity.Command> first = presence.watcher(BOB, settings);
        subscribe(first, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        String[] states = {"busy", "away", "do-not-disturb", "be-right-back"};
        for (int i = 0; i < 7; i++) {
            alicePublishes(states[i % states.length]);
            awaitNotifies("t1", i + 2);
        }
        List<NotifySender.Notify> before = presence.sender.sent("t1");
        assertThat(before).extracting(WatcherEntityTest::cseqOf).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertCeilingWrittenFirst(timeline);
        assertThat(timeline)
                .filteredOn(Ceiling.class::isInstance)
                .as("ceiling written block by block (cseqBlock 3)")
                .containsExactly(new Ceiling(3), new Ceiling(6), new Ceiling(9));
        long highestSent = before.get(before.size() - 1).cseq();

        // the node holding the dialog dies mid-block (CSeq 8 of ceiling 9); another loads it from the store
        KIT.stop(first);
        ActorRef<WatcherEntity.Command> second = presence.watcher(BOB, settings);

        NotifySender.Notify resumed = awaitNotifies("t1", before.size() + 1).get(before.size());
        assertThat(resumed.cseq()).as("first NOTIFY after the takeover").isGreaterThan(highestSent);
        assertThat(resumed.subscriptionState()).startsWith("active;expires=");
        assertThat(resumed.dialog().callId()).isEqualTo("call-t1");
        assertThat(resumed.dialog().remoteTag()).isEqualTo("from-t1");
        assertThat(resumed.body()).as("the current state, in full").contains("<sb:state>do-not-disturb</sb:state>");

        alicePublishes("busy");
        List<NotifySender.Notify> all = awaitNotifies("t1", before.size() + 2);
        assertThat(all).extracting(WatcherEntityTest::cseqOf).isSorted().doesNotHaveDuplicates();
        assertThat(all.get(all.size() - 1).body()).contains("<sb:state>busy</sb:state>");
        assertCeilingWrittenFirst(timeline);
        assertThat(presence.subscriptionStore.stored(BOB, "t1").cseqCeiling())
                .isGreaterThanOrEqualTo(all.get(all.size() - 1).cseq());
        KIT.stop(second);
    }

    @Test
    void a_takeover_right_after_a_ceiling_write_still_starts_above_it() throws Exception {
        ActorRef<WatcherEntity.Command> first = presence.watcher(BOB, settings);
        subscribe(first, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        alicePublishes("busy");
        awaitNotifies("t1", 2);
        alicePublishes("away");
        awaitNotifies("t1", 3);
        alicePublishes("do-not-disturb");
        // CSeq 4 needed the ceiling raised from 3 to 6 first
        assertThat(awaitNotifies("t1", 4)).extracting(WatcherEntityTest::cseqOf).containsExactly(1L, 2L, 3L, 4L);
        long ceilingAtCrash = presence.subscriptionStore.stored(BOB, "t1").cseqCeiling();
        assertThat(ceilingAtCrash).isEqualTo(6);
        KIT.stop(first);
        presence.watcher(BOB, settings);
        NotifySender.Notify resumed = awaitNotifies("t1", 5).get(4);
        assertThat(resumed.cseq())
                .as("starts above the stored ceiling, not above what it last saw")
                .isGreaterThan(ceilingAtCrash);
        assertThat(presence.subscriptionStore.stored(BOB, "t1").cseqCeiling()).isGreaterThanOrEqualTo(resumed.cseq());
    }

    @Test
    void no_notify_passes_the_ceiling_while_the_new_ceiling_cannot_be_written() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        alicePublishes("busy");
        awaitNotifies("t1", 2);
        alicePublishes("away");
        awaitNotifies("t1", 3);

        presence.subscriptionStore.gate.fail(new IllegalStateException("cassandra down"));
        alicePublishes("do-not-disturb");
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(500));
        assertThat(presence.sender.sent("t1"))
                .as("CSeq 4 needs ceiling 6 stored first")
                .hasSize(3);

        presence.subscriptionStore.gate.fail(null); // the entity retries the ceiling write
        NotifySender.Notify fourth = awaitNotifies("t1", 4).get(3);
        assertThat(fourth.cseq()).isEqualTo(4);
        assertThat(fourth.body()).contains("<sb:state>do-not-disturb</sb:state>");
        assertThat(presence.subscriptionStore.stored(BOB, "t1").cseqCeiling()).isEqualTo(6);
    }

    // ---------------------------------------------------------------- NOTIFY outcomes (RFC 6665 s4.2.2)

    @Test
    void a_481_to_a_notify_ends_the_subscription() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        presence.sender.answerNext(NotifyOutcome.ofStatus(481));
        alicePublishes("busy");
        awaitNotifies("t1", 2);
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.subscriptionStore.stored(BOB, "t1")).isNull();
            assertThat(presence.unwatched).contains(ALICE + " " + BOB);
            return null;
        });
        alicePublishes("away");
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.sender.sent("t1")).hasSize(2);
        assertThat(refresh(w, "t1", 600))
                .isEqualTo(new WatcherEntity.SubscribeRefused(481, "Subscription does not exist"));
    }

    @Test
    void a_408_response_to_a_notify_keeps_the_subscription() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        presence.sender.answerNext(NotifyOutcome.ofStatus(408));
        alicePublishes("busy");
        awaitNotifies("t1", 2);
        alicePublishes("away");
        // the next NOTIFY carries away (the retry of busy may or may not have gone first)
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.sender.last("t1").body()).contains("<sb:state>away</sb:state>");
            return null;
        });
        NotifySender.Notify next = presence.sender.last("t1");
        assertThat(next.cseq()).isGreaterThanOrEqualTo(3);
        assertThat(next.subscriptionState()).startsWith("active;");
        assertThat(presence.subscriptionStore.stored(BOB, "t1")).isNotNull();
    }

    /**
     * A NOTIFY that did not arrive (not sent, or a 503 that keeps the subscription) is not the end
     * of that change: the state goes again, without any new change, until one arrives. Without
     * that a watcher kept showing a user online after the user published closed.
     */
    @Test
    void a_change_whose_notify_did_not_arrive_is_sent_again_until_one_does() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        presence.sender.answerNext(NotifyOutcome.NOT_SENT, NotifyOutcome.ofStatus(503));
        alicePublishes("busy");

        // the change (not sent), its first retry (503) and its second retry (delivered), 1 s and 2 s apart
        KIT.createTestProbe().awaitAssert(Duration.ofSeconds(15), () -> {
            assertThat(presence.sender.sent("t1")).hasSizeGreaterThanOrEqualTo(4);
            return null;
        });
        List<NotifySender.Notify> sent = presence.sender.sent("t1");
        for (NotifySender.Notify n : sent.subList(1, 4)) {
            assertThat(n.body()).contains("<sb:state>busy</sb:state>");
            assertThat(n.subscriptionState()).startsWith("active;");
        }
        assertThat(sent.subList(1, 4)).extracting(NotifySender.Notify::cseq).containsExactly(2L, 3L, 4L);
        assertThat(presence.subscriptionStore.stored(BOB, "t1")).isNotNull();
    }

    // ---------------------------------------------------------------- refresh and unsubscribe (RFC 6665 s4.1.2.2/3)

    @Test
    void a_refresh_is_stored_before_it_is_answered_and_notifies_the_current_state() {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        presence.subscriptionStore.gate.hold(true);
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.Refresh("t1", 1800, null, null, probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(300));
        presence.subscriptionStore.gate.hold(false);
        presence.subscriptionStore.gate.release();
        assertThat(probe.receiveMessage(LONG)).isEqualTo(new WatcherEntity.Subscribed("t1", 1800));
        assertThat(presence.subscriptionStore.stored(BOB, "t1").expiresAt())
                .isAfter(Instant.now().plusSeconds(1700));
        NotifySender.Notify n = awaitNotifies("t1", 2).get(1);
        assertThat(n.cseq()).isEqualTo(2);
        Matcher m = ACTIVE.matcher(n.subscriptionState());
        assertThat(m.matches()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isGreaterThan(1700);
    }

    @Test
    void unsubscribe_sends_terminated_timeout_and_removes_the_dialog() {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);

        assertThat(refresh(w, "t1", 0)).isEqualTo(new WatcherEntity.Subscribed("t1", 0));
        NotifySender.Notify last = awaitNotifies("t1", 2).get(1);
        assertThat(last.subscriptionState()).isEqualTo("terminated;reason=timeout");
        assertThat(last.cseq()).isEqualTo(2);
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.subscriptionStore.stored(BOB, "t1")).isNull();
            return null;
        });
        assertThat(refresh(w, "t1", 600))
                .isEqualTo(new WatcherEntity.SubscribeRefused(481, "Subscription does not exist"));
    }

    @Test
    void a_refresh_of_an_unknown_dialog_gets_481() {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        assertThat(refresh(w, "no-such-tag", 600))
                .isEqualTo(new WatcherEntity.SubscribeRefused(481, "Subscription does not exist"));
        assertThat(refresh(w, "no-such-tag", 0))
                .isEqualTo(new WatcherEntity.SubscribeRefused(481, "Subscription does not exist"));
        assertThat(presence.sender.sent()).isEmpty();
    }

    @Test
    void an_expired_subscription_gets_a_terminating_notify_with_reason_timeout() {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 1);
        awaitNotifies("t1", 1);
        NotifySender.Notify last = awaitNotifies("t1", 2).get(1);
        assertThat(last.subscriptionState()).isEqualTo("terminated;reason=timeout");
        assertThat(last.cseq()).isEqualTo(2);
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.subscriptionStore.stored(BOB, "t1")).isNull();
            return null;
        });
    }

    // ---------------------------------------------------------------- authorization through to NOTIFY

    @Test
    void a_blocked_watcher_is_notified_offline_and_never_the_real_state() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        subscribe(w, draft("t1", ALICE), 600);
        alicePublishes("busy");
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.sender.last("t1").body()).contains("<sb:state>busy</sb:state>");
            return null;
        });
        int before = presence.sender.sent("t1").size();

        presence.setAccess(ALICE, BOB, AccessLevel.BLOCKED)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        NotifySender.Notify blocked = awaitNotifies("t1", before + 1).get(before);
        assertThat(blocked.body()).contains("<sb:state>offline</sb:state>").contains("<basic>closed</basic>");

        alicePublishes("do-not-disturb");
        alicePublishes("available");
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.sender
                        .sent("t1")
                        .subList(before, presence.sender.sent("t1").size()))
                .allSatisfy(n -> assertThat(n.body())
                        .contains("<sb:state>offline</sb:state>")
                        .doesNotContain("do-not-disturb")
                        .doesNotContain("<basic>open</basic>"));
    }

    // ---------------------------------------------------------------- resource lists (RFC 4662)

    @Test
    void a_list_subscription_gets_full_state_first_then_only_what_changed() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        assertThat(subscribe(w, listDraft("l1", ALICE, CAROL), 600)).isEqualTo(new WatcherEntity.Subscribed("l1", 600));

        NotifySender.Notify first = awaitNotifies("l1", 1).get(0);
        assertThat(first.eventlist()).isTrue();
        assertThat(first.contentType()).startsWith("multipart/related;type=\"application/rlmi+xml\"");
        assertThat(first.body())
                .contains("fullState=\"true\"")
                .contains("uri=\"" + LIST + "\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .contains("<resource uri=\"" + CAROL + "\"");

        alicePublishes("busy");
        NotifySender.Notify partial = awaitNotifies("l1", 2).get(1);
        assertThat(partial.eventlist()).isTrue();
        assertThat(partial.cseq()).isEqualTo(2);
        assertThat(partial.body())
                .contains("fullState=\"false\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .doesNotContain("<resource uri=\"" + CAROL + "\"")
                .contains("<sb:state>busy</sb:state>");
    }

    @Test
    void a_list_resource_whose_presentity_is_unreachable_is_pending_and_the_rest_still_notified() {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        String ghost = "sip:ghost@example.test"; // no entity: every ask fails, as a timeout would
        subscribe(w, listDraft("l1", ALICE, ghost), 600);
        NotifySender.Notify first = awaitNotifies("l1", 1).get(0);
        assertThat(first.body())
                .contains("fullState=\"true\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .contains("<resource uri=\"" + ghost + "\"")
                .contains("state=\"pending\"")
                .contains("<sb:state>available</sb:state>");
    }

    // ---------------------------------------------------------------- fetch (RFC 6665 s4.4.3)

    @Test
    void a_fetch_notifies_the_current_state_once_and_keeps_nothing() throws Exception {
        alicePublishes("busy");
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        assertThat(subscribe(w, draft("f1", ALICE), 0)).isEqualTo(new WatcherEntity.Subscribed("f1", 0));
        NotifySender.Notify only = awaitNotifies("f1", 1).get(0);
        assertThat(only.subscriptionState()).isEqualTo("terminated;reason=timeout");
        assertThat(only.body()).contains("<sb:state>busy</sb:state>");
        assertThat(presence.subscriptionStore.stored(BOB)).isEmpty();
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.sender.sent("f1")).hasSize(1);
    }

    @Test
    void a_list_fetch_with_an_unreachable_resource_still_gets_its_notify() {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        String ghost = "sip:ghost@example.test";
        assertThat(subscribe(w, listDraft("f2", ALICE, ghost), 0)).isEqualTo(new WatcherEntity.Subscribed("f2", 0));
        NotifySender.Notify only = awaitNotifies("f2", 1).get(0);
        assertThat(only.subscriptionState()).isEqualTo("terminated;reason=timeout");
        assertThat(only.eventlist()).isTrue();
        assertThat(only.body())
                .contains("fullState=\"true\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .contains("<resource uri=\"" + ghost + "\"")
                .contains("<sb:state>available</sb:state>");
    }

    // ---------------------------------------------------------------- storms at the watcher (issue 4 item 8)

    @Test
    void rapid_changes_reach_a_dialog_as_at_most_two_notifies_with_the_latest_state() throws Exception {
        Duration interval = Duration.ofMillis(500);
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, presence.watcherSettings(interval, 100));
        subscribe(w, draft("t1", ALICE), 600);
        awaitNotifies("t1", 1);
        KIT.createTestProbe().expectNoMessage(interval.multipliedBy(2)); // the first NOTIFY's interval passes

        String[] states = {"busy", "away", "do-not-disturb", "be-right-back"};
        for (int i = 0; i < 10; i++) {
            alicePublishes(states[i % states.length]);
        }
        // the tenth is "away" (index 9)
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.sender.last("t1").body()).contains("<sb:state>away</sb:state>");
            return null;
        });
        KIT.createTestProbe().expectNoMessage(interval.multipliedBy(2));
        List<NotifySender.Notify> storm =
                presence.sender.sent("t1").subList(1, presence.sender.sent("t1").size());
        assertThat(storm).as("NOTIFYs for 10 changes within one interval").hasSizeBetween(1, 2);
        assertThat(storm.get(storm.size() - 1).body()).contains("<sb:state>away</sb:state>");
    }

    // ---------------------------------------------------------------- the watcher's own contact list (RFC 4662)

    static WatcherEntity.ContactsReply putContact(ActorRef<WatcherEntity.Command> w, String uri) {
        TestProbe<WatcherEntity.ContactsReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.PutContact(
                new io.switchboard.presence.domain.Contact(uri, null, List.of("team")), probe.getRef()));
        return probe.receiveMessage(LONG);
    }

    @Test
    void a_contact_list_subscription_follows_edits_of_the_list_with_full_state() throws Exception {
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, settings);
        assertThat(putContact(w, ALICE)).isInstanceOf(WatcherEntity.Contacts.class);
        Subscription follows = new Subscription(
                BOB,
                "c1",
                "call-c1",
                "from-c1",
                LIST,
                BOB,
                "sip:bob@192.0.2.10:5060",
                List.of(),
                UDP,
                null,
                List.of(),
                LIST,
                true,
                Instant.EPOCH,
                0);
        subscribe(w, follows, 600);
        NotifySender.Notify first = awaitNotifies("c1", 1).get(0);
        assertThat(first.body())
                .contains("fullState=\"true\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .doesNotContain("<resource uri=\"" + CAROL + "\"");

        presence.subscriptionStore.gate.hold(true);
        TestProbe<WatcherEntity.ContactsReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.PutContact(
                new io.switchboard.presence.domain.Contact(CAROL, null, List.of()), probe.getRef()));
        probe.expectNoMessage(Duration.ofMillis(300));
        presence.subscriptionStore.gate.hold(false);
        presence.subscriptionStore.gate.release();
        WatcherEntity.ContactsReply added = probe.receiveMessage(LONG);
        assertThat(added).isInstanceOf(WatcherEntity.Contacts.class);
        assertThat(((WatcherEntity.Contacts) added).list().uris()).containsExactly(ALICE, CAROL);
        assertThat(presence.contactStore.stored(BOB).uris()).containsExactly(ALICE, CAROL);
        assertThat(presence.subscriptionStore.stored(BOB, "c1").resources()).containsExactly(ALICE, CAROL);

        NotifySender.Notify second = awaitNotifies("c1", 2).get(1);
        assertThat(second.body())
                .as("an edited list is sent in full")
                .contains("fullState=\"true\"")
                .contains("<resource uri=\"" + ALICE + "\"")
                .contains("<resource uri=\"" + CAROL + "\"");

        TestProbe<WatcherEntity.ContactsReply> removal = KIT.createTestProbe();
        w.tell(new WatcherEntity.RemoveContact(ALICE, removal.getRef()));
        assertThat(((WatcherEntity.Contacts) removal.receiveMessage(LONG))
                        .list()
                        .uris())
                .containsExactly(CAROL);
        NotifySender.Notify third = awaitNotifies("c1", 3).get(2);
        assertThat(third.body())
                .contains("fullState=\"true\"")
                .contains("<resource uri=\"" + CAROL + "\"")
                .doesNotContain("<resource uri=\"" + ALICE + "\"");
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.unwatched).contains(ALICE + " " + BOB);
            return null;
        });
        alicePublishes("busy");
        KIT.createTestProbe().expectNoMessage(Duration.ofMillis(300));
        assertThat(presence.sender.sent("c1"))
                .as("a removed contact's changes are no longer notified")
                .hasSize(3);
    }

    /** Records every due row it is given; enough for what the watcher entity asks of a due index. */
    static final class RecordingDueIndex implements io.switchboard.entity.due.DueIndex {
        final List<Due> added = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public java.util.concurrent.CompletionStage<Void> add(Due due) {
            added.add(due);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public java.util.concurrent.CompletionStage<List<Due>> due(String type, Instant from, Instant to) {
            return java.util.concurrent.CompletableFuture.completedFuture(List.of());
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> remove(Due due) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void each_subscription_and_refresh_records_when_to_wake_the_entity_before_the_dialog_expires() {
        RecordingDueIndex due = new RecordingDueIndex();
        WatcherEntity.Settings s = settings;
        WatcherEntity.Settings withDue = new WatcherEntity.Settings(
                s.store(),
                s.contacts(),
                s.presentities(),
                s.notifier(),
                s.coalesce(),
                s.initialWait(),
                s.rewatch(),
                s.cseqBlock(),
                s.passivateAfter(),
                s.stashCapacity(),
                s.clock(),
                due,
                s.maxDialogs(),
                s.refusals(),
                null);
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, withDue);
        assertThat(subscribe(w, draft("d1", ALICE), 600)).isInstanceOf(WatcherEntity.Subscribed.class);
        Instant expires = presence.subscriptionStore.stored(BOB, "d1").expiresAt();
        assertThat(due.added)
                .containsExactly(new io.switchboard.entity.due.DueIndex.Due(
                        WatcherEntity.ENTITY_KEY.name(), BOB, expires.minus(WatcherBehavior.EXPIRY_WAKE_LEAD)));

        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.Refresh("d1", 1800, null, null, probe.getRef()));
        assertThat(probe.receiveMessage(LONG)).isInstanceOf(WatcherEntity.Subscribed.class);
        Instant refreshed = presence.subscriptionStore.stored(BOB, "d1").expiresAt();
        assertThat(due.added)
                .hasSize(2)
                .last()
                .isEqualTo(new io.switchboard.entity.due.DueIndex.Due(
                        WatcherEntity.ENTITY_KEY.name(), BOB, refreshed.minus(WatcherBehavior.EXPIRY_WAKE_LEAD)));
    }
}
