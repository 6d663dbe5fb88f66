package io.switchboard.presence.entity;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.presence.domain.PresenceLimits;
import io.switchboard.presence.domain.PublishRules;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.sip.flow.Flow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What bounds the presence entities (issue 10): dialogs per watcher, watchers per presentity, and
 * list entries that are not our users or do not exist reaching no presentity.
 */
class PresenceLimitsEntityTest {

    static final ActorTestKit KIT = ActorTestKit.create();
    static final String ALICE = "sip:alice@example.test";
    static final String BOB = "sip:bob@example.test";
    static final String DAVE = "sip:dave@example.test";
    static final String ERIN = "sip:erin@example.test"; // exists, never registered: offline
    static final String GHOST = "sip:ghost@example.test"; // no account
    static final String STRANGER = "sip:victim@elsewhere.test";
    static final String LIST = "sip:bob-list@example.test";
    static final Flow UDP = new Flow("udp", "192.0.2.10", 5060, null, null);
    static final Duration LONG = Duration.ofSeconds(5);

    LocalPresence presence;
    final List<String> refusals = new CopyOnWriteArrayList<>();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        presence = new LocalPresence(KIT);
        refusals.clear();
        presence.registered.put(ALICE, List.of(new Endpoint("ep-a", Instant.now())));
    }

    PresentityEntity.Settings presentity(int maxWatchers) {
        PresentityEntity.Settings s = presence.presentitySettings(
                Duration.ZERO, new PublishRules(PublishRules.Limits.DEFAULTS), Duration.ofSeconds(30));
        return new PresentityEntity.Settings(
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
                maxWatchers,
                refusals::add,
                null);
    }

    WatcherEntity.Settings watcher(int maxDialogs, PresentityClient presentities) {
        WatcherEntity.Settings s = presence.watcherSettings(Duration.ZERO, 100);
        return new WatcherEntity.Settings(
                s.store(),
                s.contacts(),
                presentities,
                s.notifier(),
                s.coalesce(),
                s.initialWait(),
                s.rewatch(),
                s.cseqBlock(),
                s.passivateAfter(),
                s.stashCapacity(),
                s.clock(),
                s.dueIndex(),
                maxDialogs,
                refusals::add,
                null);
    }

    static Subscription draft(String watcher, String tag, String listUri, String... resources) {
        return new Subscription(
                watcher,
                tag,
                "call-" + tag,
                "from-" + tag,
                listUri == null ? resources[0] : listUri,
                watcher,
                "sip:w@192.0.2.10:5060",
                List.of(),
                UDP,
                null,
                List.of(resources),
                listUri,
                false,
                Instant.EPOCH,
                0);
    }

    static WatcherEntity.SubscribeReply subscribe(ActorRef<WatcherEntity.Command> w, Subscription draft, long expires) {
        TestProbe<WatcherEntity.SubscribeReply> probe = KIT.createTestProbe();
        w.tell(new WatcherEntity.Subscribe(draft, expires, probe.getRef()));
        return probe.receiveMessage(LONG);
    }

    List<NotifySender.Notify> awaitNotifies(String tag, int count) {
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.sender.sent(tag)).hasSizeGreaterThanOrEqualTo(count);
            return null;
        });
        return presence.sender.sent(tag);
    }

    @Test
    void a_watcher_beyond_its_dialog_cap_gets_403_and_nothing_is_stored() {
        presence.presentity(ALICE, presence.presentitySettings(Duration.ZERO));
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, watcher(2, presence));
        assertThat(subscribe(w, draft(BOB, "d1", null, ALICE), 600)).isInstanceOf(WatcherEntity.Subscribed.class);
        assertThat(subscribe(w, draft(BOB, "d2", null, ALICE), 600)).isInstanceOf(WatcherEntity.Subscribed.class);
        assertThat(subscribe(w, draft(BOB, "d3", null, ALICE), 600))
                .isEqualTo(new WatcherEntity.SubscribeRefused(403, "Too many subscriptions for this watcher"));
        assertThat(presence.subscriptionStore.stored(BOB)).hasSize(2);
        assertThat(refusals).containsExactly(PresenceLimits.DIALOGS_PER_WATCHER);
        assertThat(subscribe(w, draft(BOB, "f1", null, ALICE), 0))
                .as("a fetch keeps no dialog, so the cap does not apply (the per-source rate does)")
                .isEqualTo(new WatcherEntity.Subscribed("f1", 0));
    }

    @Test
    void a_presentity_beyond_its_watcher_cap_ends_the_new_watchers_subscription_with_probation() {
        presence.presentity(ALICE, presentity(1));
        ActorRef<WatcherEntity.Command> bob = presence.watcher(BOB, watcher(10, presence));
        ActorRef<WatcherEntity.Command> dave = presence.watcher(DAVE, watcher(10, presence));
        subscribe(bob, draft(BOB, "b1", null, ALICE), 600);
        assertThat(awaitNotifies("b1", 1).get(0).subscriptionState()).startsWith("active");

        subscribe(dave, draft(DAVE, "v1", null, ALICE), 600);
        NotifySender.Notify last = awaitNotifies("v1", 1).get(0);
        assertThat(last.subscriptionState()).isEqualTo("terminated;reason=probation");
        assertThat(last.body()).as("nothing of alice's state").isNull();
        assertThat(presence.presentityStore.watchers(ALICE)).containsOnlyKeys(BOB);
        KIT.createTestProbe().awaitAssert(LONG, () -> {
            assertThat(presence.subscriptionStore.stored(DAVE)).isEmpty();
            return null;
        });
        assertThat(refusals).containsExactly(PresenceLimits.WATCHERS_PER_PRESENTITY);
    }

    @Test
    void a_list_reaches_only_our_existing_users_and_a_made_up_name_looks_like_an_offline_user() {
        presence.presentity(ALICE, presence.presentitySettings(Duration.ZERO));
        presence.presentity(ERIN, presence.presentitySettings(Duration.ZERO));
        Set<String> accounts = Set.of(ALICE, BOB, ERIN);
        GatedPresentities gated = new GatedPresentities(
                presence,
                LocalPresence.DOMAINS,
                aor -> CompletableFuture.completedFuture(accounts.contains(aor)),
                Clock.systemUTC());
        ActorRef<WatcherEntity.Command> w = presence.watcher(BOB, watcher(10, gated));
        subscribe(w, draft(BOB, "l1", LIST, ALICE, STRANGER, GHOST, ERIN), 600);

        String body = awaitNotifies("l1", 1).get(0).body();
        assertThat(body)
                .contains("<resource uri=\"" + STRANGER + "\"><instance id=\"")
                .containsPattern(
                        "uri=\"" + STRANGER + "\"><instance id=\"[^\"]+\" state=\"terminated\" reason=\"rejected\"/>")
                .containsPattern("uri=\"" + GHOST + "\"><instance id=\"[^\"]+\" state=\"active\" cid=")
                .doesNotContain("state=\"pending\"");
        assertThat(pidfOf(body, GHOST).replace(GHOST, "X").replaceAll("<timestamp>[^<]+<", "<timestamp>T<"))
                .as("a user who does not exist shows exactly what an existing offline user shows")
                .isEqualTo(pidfOf(body, ERIN).replace(ERIN, "X").replaceAll("<timestamp>[^<]+<", "<timestamp>T<"))
                .contains("<sb:availability>18500<");
        assertThat(presence.presentityStore.watchers(GHOST))
                .as("no row for a made-up name")
                .isEmpty();
        assertThat(presence.presentityStore.watchers(STRANGER))
                .as("no row for a stranger")
                .isEmpty();
        assertThat(presence.presentityStore.watchers(ERIN)).containsOnlyKeys(BOB);
    }

    /** The PIDF part of a multipart list NOTIFY whose entity is {@code uri}. */
    static String pidfOf(String multipart, String uri) {
        int at = multipart.indexOf("entity=\"" + uri + "\"");
        assertThat(at).as("a PIDF part for " + uri).isPositive();
        int start = multipart.lastIndexOf("<?xml", at);
        int end = multipart.indexOf("</presence>", at) + "</presence>".length();
        return multipart.substring(start, end);
    }
}
