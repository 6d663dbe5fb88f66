package io.switchboard.presence.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.store.PresentityStore.Loaded;
import io.switchboard.presence.store.PresentityStore.StoredPublication;
import io.switchboard.sip.flow.Flow;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What every {@link PresentityStore} and {@link SubscriptionStore} must do, method by method, including the
 * TTL: a row is read back until its expiry and not after it. Subclasses supply empty stores.
 */
abstract class PresenceStoreContract {

    static final String ALICE = "sip:alice@example.test";
    static final String BOB = "sip:bob@example.test";
    static final String CAROL = "sip:carol@example.test";
    /** A TTL of 1 s can take up to 2 s to be applied (Cassandra counts whole seconds); generous on a busy machine. */
    static final Duration EXPIRY_BOUND = Duration.ofSeconds(15);
    /**
     * Lifetime of the rows that must be read back before they expire: long enough that two writes and a read
     * finish inside it on a slow, busy CI machine (1 s was not: CI read the row after it had expired).
     */
    static final Duration BRIEF = Duration.ofSeconds(5);

    abstract PresentityStore presentities();

    abstract SubscriptionStore subscriptions();

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Now, at the millisecond: Cassandra keeps timestamps in milliseconds. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    static StoredPublication publication(String etag, Instant now, Duration expires) {
        return new StoredPublication(
                etag, "endpoint-" + etag, "<presence entity=\"" + etag + "\"/>", now, now.plus(expires));
    }

    static Subscription subscription(String watcher, String tag, Instant expiresAt, long cseqCeiling) {
        return new Subscription(
                watcher,
                tag,
                "call-" + tag,
                "from-" + tag,
                ALICE,
                watcher,
                "sip:bob@192.0.2.10:5060",
                List.of("<sip:edge.example.test;lr>", "<sip:192.0.2.1;lr>"),
                new Flow("tcp", "192.0.2.10", 5070, "node-2", "flow-" + tag),
                "id-" + tag,
                List.of(ALICE, CAROL),
                null,
                false,
                expiresAt,
                cseqCeiling);
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after {@link #EXPIRY_BOUND}. */
    static void awaitTrue(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + EXPIRY_BOUND.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + " within " + EXPIRY_BOUND);
            }
            Thread.sleep(200);
        }
    }

    // --- PresentityStore

    @Test
    void an_unknown_presentity_has_no_publications_and_no_watchers() {
        Loaded loaded = await(presentities().loadPresentity(ALICE));
        assertThat(loaded.publications()).isEmpty();
        assertThat(loaded.watchers()).isEmpty();
    }

    @Test
    void publications_are_stored_per_presentity_and_read_back_whole() {
        PresentityStore store = presentities();
        Instant now = now();
        StoredPublication a1 = publication("a1", now, Duration.ofHours(1));
        StoredPublication a2 = publication("a2", now, Duration.ofMinutes(10));
        StoredPublication b1 = publication("b1", now, Duration.ofHours(1));
        await(store.putPublication(ALICE, a1, List.of(), now, WriteStamp.UNFENCED));
        await(store.putPublication(ALICE, a2, List.of(), now, WriteStamp.UNFENCED));
        await(store.putPublication(BOB, b1, List.of(), now, WriteStamp.UNFENCED));

        assertThat(await(store.loadPresentity(ALICE)).publications()).containsExactlyInAnyOrder(a1, a2);
        assertThat(await(store.loadPresentity(BOB)).publications()).containsExactly(b1);
    }

    @Test
    void a_refresh_replaces_the_old_entity_tag_in_one_write() {
        PresentityStore store = presentities();
        Instant now = now();
        StoredPublication first = publication("e1", now, Duration.ofHours(1));
        StoredPublication other = publication("e2", now, Duration.ofHours(1));
        await(store.putPublication(ALICE, first, List.of(), now, WriteStamp.UNFENCED));
        await(store.putPublication(ALICE, other, List.of(), now, WriteStamp.UNFENCED));

        StoredPublication refreshed = publication("e3", now.plusSeconds(5), Duration.ofHours(2));
        await(store.putPublication(ALICE, refreshed, List.of("e1"), now.plusSeconds(5), WriteStamp.UNFENCED));

        assertThat(await(store.loadPresentity(ALICE)).publications()).containsExactlyInAnyOrder(other, refreshed);
    }

    /** An initial publication that supersedes the same endpoint's two earlier ones (PublishRules). */
    @Test
    void a_write_deletes_every_replaced_entity_tag() {
        PresentityStore store = presentities();
        Instant now = now();
        StoredPublication first = publication("e1", now, Duration.ofHours(1));
        StoredPublication second = publication("e2", now, Duration.ofHours(1));
        StoredPublication other = publication("e3", now, Duration.ofHours(1));
        for (StoredPublication p : List.of(first, second, other)) {
            await(store.putPublication(ALICE, p, List.of(), now, WriteStamp.UNFENCED));
        }

        StoredPublication latest = publication("e4", now.plusSeconds(1), Duration.ofHours(1));
        await(store.putPublication(ALICE, latest, List.of("e1", "e2"), now.plusSeconds(1), WriteStamp.UNFENCED));

        assertThat(await(store.loadPresentity(ALICE)).publications()).containsExactlyInAnyOrder(other, latest);
    }

    @Test
    void writing_an_entity_tag_again_overwrites_it() {
        PresentityStore store = presentities();
        Instant now = now();
        await(store.putPublication(
                ALICE, publication("e1", now, Duration.ofMinutes(1)), List.of(), now, WriteStamp.UNFENCED));
        StoredPublication again =
                new StoredPublication("e1", "endpoint-2", "<presence/>", now.plusSeconds(1), now.plusSeconds(3600));
        await(store.putPublication(ALICE, again, List.of(), now.plusSeconds(1), WriteStamp.UNFENCED));
        assertThat(await(store.loadPresentity(ALICE)).publications()).containsExactly(again);
    }

    @Test
    void remove_publication_takes_one_and_is_idempotent() {
        PresentityStore store = presentities();
        Instant now = now();
        StoredPublication kept = publication("kept", now, Duration.ofHours(1));
        await(store.putPublication(
                ALICE, publication("gone", now, Duration.ofHours(1)), List.of(), now, WriteStamp.UNFENCED));
        await(store.putPublication(ALICE, kept, List.of(), now, WriteStamp.UNFENCED));
        await(store.removePublication(ALICE, "gone", WriteStamp.UNFENCED));
        await(store.removePublication(ALICE, "gone", WriteStamp.UNFENCED));
        await(store.removePublication(ALICE, "never-there", WriteStamp.UNFENCED));
        await(store.removePublication(CAROL, "kept", WriteStamp.UNFENCED));
        assertThat(await(store.loadPresentity(ALICE)).publications()).containsExactly(kept);
    }

    @Test
    void watchers_are_stored_per_presentity_refreshed_by_watcher_and_removed_idempotently() {
        PresentityStore store = presentities();
        Instant now = now();
        await(store.putWatcher(ALICE, BOB, now.plusSeconds(600), now, WriteStamp.UNFENCED));
        await(store.putWatcher(ALICE, CAROL, now.plusSeconds(600), now, WriteStamp.UNFENCED));
        await(store.putWatcher(BOB, ALICE, now.plusSeconds(60), now, WriteStamp.UNFENCED));
        await(store.putWatcher(ALICE, BOB, now.plusSeconds(3600), now.plusSeconds(1), WriteStamp.UNFENCED));

        assertThat(await(store.loadPresentity(ALICE)).watchers())
                .isEqualTo(Map.of(BOB, now.plusSeconds(3600), CAROL, now.plusSeconds(600)));
        assertThat(await(store.loadPresentity(BOB)).watchers()).isEqualTo(Map.of(ALICE, now.plusSeconds(60)));

        await(store.removeWatcher(ALICE, CAROL, WriteStamp.UNFENCED));
        await(store.removeWatcher(ALICE, CAROL, WriteStamp.UNFENCED));
        await(store.removeWatcher(ALICE, "sip:nobody@example.test", WriteStamp.UNFENCED));
        assertThat(await(store.loadPresentity(ALICE)).watchers()).isEqualTo(Map.of(BOB, now.plusSeconds(3600)));
        assertThat(await(store.loadPresentity(ALICE)).publications()).isEmpty();
    }

    @Test
    void publications_and_watchers_are_read_until_their_expiry_and_not_after_it() throws InterruptedException {
        PresentityStore store = presentities();
        Instant now = now();
        StoredPublication brief = publication("brief", now, BRIEF);
        StoredPublication lasting = publication("lasting", now, Duration.ofHours(1));
        await(store.putPublication(ALICE, brief, List.of(), now, WriteStamp.UNFENCED));
        await(store.putPublication(ALICE, lasting, List.of(), now, WriteStamp.UNFENCED));
        await(store.putWatcher(ALICE, BOB, now.plus(BRIEF), now, WriteStamp.UNFENCED));
        await(store.putWatcher(ALICE, CAROL, now.plusSeconds(3600), now, WriteStamp.UNFENCED));
        // nothing leaves before its expiry: the TTL is rounded up, never down
        Loaded fresh = await(store.loadPresentity(ALICE));
        assertThat(fresh.publications()).containsExactlyInAnyOrder(brief, lasting);
        assertThat(fresh.watchers()).containsOnlyKeys(BOB, CAROL);

        awaitTrue("the expired publication and watcher are still read", () -> {
            Loaded later = await(store.loadPresentity(ALICE));
            return later.publications().size() == 1 && later.watchers().size() == 1;
        });
        Loaded later = await(store.loadPresentity(ALICE));
        assertThat(later.publications()).containsExactly(lasting);
        assertThat(later.watchers()).isEqualTo(Map.of(CAROL, now.plusSeconds(3600)));
    }

    // --- SubscriptionStore

    @Test
    void a_watcher_without_dialogs_has_no_subscriptions() {
        assertThat(await(subscriptions().loadSubscriptions(BOB))).isEmpty();
    }

    @Test
    void subscriptions_are_stored_per_watcher_and_read_back_whole() {
        SubscriptionStore store = subscriptions();
        Instant now = now();
        Subscription t1 = subscription(BOB, "t1", now.plusSeconds(3600), 7);
        Subscription list = new Subscription(
                BOB,
                "t2",
                "call-t2",
                "from-t2",
                "sip:bob-buddies@example.test",
                BOB,
                "sip:bob@192.0.2.10:5060",
                List.of(),
                new Flow("udp", "192.0.2.10", 5060, null, null),
                null,
                List.of(),
                "sip:bob-buddies@example.test",
                true,
                now.plusSeconds(600),
                0);
        Subscription carols = subscription(CAROL, "t1", now.plusSeconds(3600), 1);
        await(store.put(t1, now, WriteStamp.UNFENCED));
        await(store.put(list, now, WriteStamp.UNFENCED));
        await(store.put(carols, now, WriteStamp.UNFENCED));

        assertThat(await(store.loadSubscriptions(BOB))).containsExactlyInAnyOrder(t1, list);
        assertThat(await(store.loadSubscriptions(CAROL))).containsExactly(carols);
    }

    @Test
    void putting_a_dialog_again_replaces_it() {
        SubscriptionStore store = subscriptions();
        Instant now = now();
        await(store.put(subscription(BOB, "t1", now.plusSeconds(600), 7), now, WriteStamp.UNFENCED));
        Subscription raised = subscription(BOB, "t1", now.plusSeconds(3600), 107);
        await(store.put(raised, now.plusSeconds(1), WriteStamp.UNFENCED));
        assertThat(await(store.loadSubscriptions(BOB))).containsExactly(raised);
    }

    @Test
    void remove_takes_one_dialog_and_is_idempotent() {
        SubscriptionStore store = subscriptions();
        Instant now = now();
        Subscription kept = subscription(BOB, "kept", now.plusSeconds(3600), 1);
        await(store.put(subscription(BOB, "gone", now.plusSeconds(3600), 1), now, WriteStamp.UNFENCED));
        await(store.put(kept, now, WriteStamp.UNFENCED));
        await(store.remove(BOB, "gone", WriteStamp.UNFENCED));
        await(store.remove(BOB, "gone", WriteStamp.UNFENCED));
        await(store.remove(BOB, "never-there", WriteStamp.UNFENCED));
        await(store.remove(CAROL, "kept", WriteStamp.UNFENCED));
        assertThat(await(store.loadSubscriptions(BOB))).containsExactly(kept);
    }

    @Test
    void subscriptions_are_read_until_their_expiry_and_not_after_it() throws InterruptedException {
        SubscriptionStore store = subscriptions();
        Instant now = now();
        Subscription brief = subscription(BOB, "brief", now.plus(BRIEF), 1);
        Subscription lasting = subscription(BOB, "lasting", now.plusSeconds(3600), 1);
        await(store.put(brief, now, WriteStamp.UNFENCED));
        await(store.put(lasting, now, WriteStamp.UNFENCED));
        assertThat(await(store.loadSubscriptions(BOB))).containsExactlyInAnyOrder(brief, lasting);

        awaitTrue(
                "the expired subscription is still read",
                () -> await(store.loadSubscriptions(BOB)).size() == 1);
        assertThat(await(store.loadSubscriptions(BOB))).containsExactly(lasting);
    }
}
