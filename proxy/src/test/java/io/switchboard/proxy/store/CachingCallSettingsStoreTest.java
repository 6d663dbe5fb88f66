package io.switchboard.proxy.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.Forwarding;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class CachingCallSettingsStoreTest extends CallSettingsStoreContract {

    static final Duration TTL = Duration.ofSeconds(5);

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-21T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** Reads that complete only when the test says so. */
    static final class PendingStore implements CallSettingsStore {
        final List<CompletableFuture<Optional<CallSettings>>> reads = new ArrayList<>();

        @Override
        public CompletionStage<Optional<CallSettings>> find(String aor) {
            CompletableFuture<Optional<CallSettings>> f = new CompletableFuture<>();
            reads.add(f);
            return f;
        }

        @Override
        public CompletionStage<Void> put(CallSettings settings) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> delete(String aor) {
            return CompletableFuture.completedFuture(null);
        }
    }

    final MovableClock clock = new MovableClock();
    final InMemoryCallSettingsStore backing = new InMemoryCallSettingsStore();

    /** The contract holds through the cache, too. */
    @Override
    CallSettingsStore store() {
        return cache(backing, 1000);
    }

    CachingCallSettingsStore cache(CallSettingsStore delegate, int maxEntries) {
        return new CachingCallSettingsStore(delegate, new CachingCallSettingsStore.Settings(maxEntries, TTL), clock);
    }

    @Test
    void settings_and_their_absence_are_served_from_memory_until_the_ttl_is_up() {
        CachingCallSettingsStore cache = cache(backing, 1000);
        backing.rows.put(ALICE, full(ALICE, T1));

        assertThat(await(cache.find(ALICE))).contains(full(ALICE, T1));
        assertThat(await(cache.find("sip:bob@example.test"))).isEmpty();
        assertThat(backing.reads).hasValue(2);

        // changed behind the cache's back, as another node would
        backing.rows.put("sip:bob@example.test", full("sip:bob@example.test", T2));
        backing.rows.remove(ALICE);
        clock.advance(TTL.minusMillis(1));
        assertThat(await(cache.find(ALICE))).contains(full(ALICE, T1));
        assertThat(await(cache.find("sip:bob@example.test"))).isEmpty();
        assertThat(await(cache.settingsFor("sip:bob@EXAMPLE.test")))
                .isEqualTo(CallSettings.none("sip:bob@example.test"));
        assertThat(backing.reads).hasValue(2);

        clock.advance(Duration.ofMillis(1));
        assertThat(await(cache.find(ALICE))).isEmpty();
        assertThat(await(cache.find("sip:bob@example.test"))).contains(full("sip:bob@example.test", T2));
        assertThat(backing.reads).hasValue(4);
    }

    @Test
    void an_edit_through_this_node_is_seen_at_once() {
        CachingCallSettingsStore cache = cache(backing, 1000);
        assertThat(await(cache.find(ALICE))).isEmpty();
        await(cache.put(full(ALICE, T1)));
        assertThat(await(cache.find(ALICE))).contains(full(ALICE, T1));
        await(cache.delete("sip:alice@Example.test"));
        assertThat(await(cache.find(ALICE))).isEmpty();
        assertThat(backing.reads).hasValue(3);
    }

    @Test
    void concurrent_lookups_share_one_read_and_cannot_complete_it_for_others() {
        PendingStore pending = new PendingStore();
        CachingCallSettingsStore cache = cache(pending, 1000);
        CompletionStage<Optional<CallSettings>> first = cache.find(ALICE);
        CompletionStage<Optional<CallSettings>> second = cache.find("sip:alice@EXAMPLE.TEST");
        assertThat(pending.reads).hasSize(1);

        // a caller giving up (say, completing its stage with a timeout value) answers only for itself
        first.toCompletableFuture().complete(Optional.empty());
        assertThat(second.toCompletableFuture()).isNotDone();
        pending.reads.get(0).complete(Optional.of(full(ALICE, T1)));
        assertThat(await(second)).contains(full(ALICE, T1));
        assertThat(await(cache.find(ALICE))).contains(full(ALICE, T1));
        assertThat(pending.reads).hasSize(1);
    }

    @Test
    void a_failed_read_is_not_cached() {
        PendingStore pending = new PendingStore();
        CachingCallSettingsStore cache = cache(pending, 1000);
        CompletionStage<Optional<CallSettings>> failed = cache.find(ALICE);
        pending.reads.get(0).completeExceptionally(new IllegalStateException("cassandra timed out"));
        assertThat(failed.toCompletableFuture()).isCompletedExceptionally();
        assertThat(cache.size()).isZero();

        CompletionStage<Optional<CallSettings>> retried = cache.find(ALICE);
        assertThat(pending.reads).hasSize(2);
        pending.reads.get(1).complete(Optional.empty());
        assertThat(await(retried)).isEmpty();
    }

    @Test
    void the_size_stays_bounded_and_expired_entries_can_be_released() {
        CachingCallSettingsStore cache = cache(backing, 10);
        for (int i = 0; i < 100; i++) {
            await(cache.find("sip:user" + i + "@example.test"));
            assertThat(cache.size()).isLessThanOrEqualTo(10);
        }
        assertThat(cache.removeExpired()).isZero();
        int held = cache.size();
        assertThat(held).isPositive();
        clock.advance(TTL);
        assertThat(cache.removeExpired()).isEqualTo(held);
        assertThat(cache.size()).isZero();
    }

    @Test
    void findLatest_reads_through_and_refreshes_this_node() {
        CachingCallSettingsStore cache = cache(backing, 1000);
        assertThat(await(cache.find(ALICE))).isEmpty();
        backing.rows.put(ALICE, full(ALICE, T1)); // written by another node
        assertThat(await(cache.find(ALICE))).isEmpty();
        assertThat(await(cache.findLatest(ALICE))).contains(full(ALICE, T1));
        assertThat(await(cache.find(ALICE))).contains(full(ALICE, T1));
        assertThat(backing.reads).hasValue(3);
    }

    @Test
    void invalidate_drops_one_entry() {
        CachingCallSettingsStore cache = cache(backing, 1000);
        await(cache.find(ALICE));
        backing.rows.put(
                ALICE, new CallSettings(ALICE, Optional.empty(), new Forwarding.Immediate("sip:bob@example.test"), T2));
        cache.invalidate("sip:alice@EXAMPLE.test");
        assertThat(await(cache.find(ALICE)))
                .map(CallSettings::forwarding)
                .contains(new Forwarding.Immediate("sip:bob@example.test"));
    }
}
