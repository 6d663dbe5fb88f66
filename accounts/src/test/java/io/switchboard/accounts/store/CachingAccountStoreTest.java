package io.switchboard.accounts.store;

import static io.switchboard.accounts.store.AccountStoreContract.account;
import static io.switchboard.accounts.store.AccountStoreContract.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.accounts.domain.Account;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class CachingAccountStoreTest {

    private static final Duration TTL = Duration.ofSeconds(30);
    private static final String D = "example.test";

    private final InMemoryAccountStore backing = new InMemoryAccountStore();
    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
    private final CachingAccountStore cache = cacheOf(1000);
    private final Account alice = account(D, "alice", "correct horse");

    private CachingAccountStore cacheOf(int maxEntries) {
        return new CachingAccountStore(backing, new CachingAccountStore.Settings(maxEntries, TTL), clock);
    }

    @Test
    void servesAFoundAccountFromMemoryUntilTheTtlEnds() {
        await(backing.put(alice));

        assertThat(await(cache.find(D, "alice"))).contains(alice);
        clock.advance(TTL.minusMillis(1));
        assertThat(await(cache.find(D, "alice"))).contains(alice);
        assertThat(backing.findCalls()).isEqualTo(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(await(cache.find(D, "alice"))).contains(alice);
        assertThat(backing.findCalls()).isEqualTo(2);
    }

    @Test
    void remembersUnknownUsersForTheSameTtl() {
        assertThat(await(cache.find(D, "bob"))).isEmpty();
        // created on another node: this cache does not know yet
        await(backing.put(account(D, "bob", "battery staple")));
        clock.advance(TTL.minusMillis(1));
        assertThat(await(cache.find(D, "bob"))).isEmpty();
        assertThat(backing.findCalls()).isEqualTo(1);

        clock.advance(Duration.ofMillis(1));
        assertThat(await(cache.find(D, "bob"))).isPresent();
        assertThat(backing.findCalls()).isEqualTo(2);
    }

    /**
     * No user enumeration by timing (README): over any sequence of lookups, a known and an unknown
     * user cause the same reads of the store at the same moments, so neither answers faster.
     */
    @Test
    void aKnownAndAnUnknownUserCauseTheSameStoreReads() {
        await(backing.put(alice));
        long[] offsetsMillis = {0, 1, 4_999, 5_000, 29_999, 30_000, 30_001, 59_999, 60_000, 61_000, 120_000};
        String known = readsOverTime("alice", offsetsMillis);
        clock.advance(Duration.ofDays(1));
        String unknown = readsOverTime("nobody", offsetsMillis);
        assertThat(unknown).isEqualTo(known);
        assertThat(known)
                .as("the first lookup reads, later ones within the TTL do not")
                .startsWith("0:read 1:memory");
    }

    /** For each offset from now: whether a lookup of {@code user} then read the store or was served from memory. */
    private String readsOverTime(String user, long[] offsetsMillis) {
        StringBuilder out = new StringBuilder();
        long at = 0;
        for (long offset : offsetsMillis) {
            clock.advance(Duration.ofMillis(offset - at));
            at = offset;
            int before = backing.findCalls();
            await(cache.find(D, user));
            out.append(offset).append(backing.findCalls() > before ? ":read " : ":memory ");
        }
        return out.toString();
    }

    @Test
    void anotherNodesPasswordChangeIsSeenOnlyAfterTheTtl() {
        await(backing.put(alice));
        await(cache.find(D, "alice"));
        Account changed = account(D, "alice", "new password!");
        await(backing.put(changed)); // written by another node's store, not through this cache

        clock.advance(TTL.minusSeconds(1));
        assertThat(await(cache.find(D, "alice"))).contains(alice);
        clock.advance(Duration.ofSeconds(1));
        assertThat(await(cache.find(D, "alice"))).contains(changed);
    }

    @Test
    void concurrentLookupsOfOneKeyShareOneRead() {
        await(backing.put(alice));
        backing.hold();

        List<CompletionStage<Optional<Account>>> lookups =
                List.of(cache.find(D, "alice"), cache.find(D, "alice"), cache.find(D, "alice"));
        CompletionStage<Optional<Account>> other = cache.find(D, "bob");

        assertThat(lookups).allSatisfy(l -> assertThat(l.toCompletableFuture()).isNotDone());
        assertThat(backing.findCalls()).isEqualTo(2);
        backing.release();
        assertThat(lookups).allSatisfy(l -> assertThat(await(l)).contains(alice));
        assertThat(await(other)).isEmpty();
    }

    @Test
    void anInFlightReadIsJoinedEvenIfTheClockMovesPastTheTtl() {
        await(backing.put(alice));
        backing.hold();
        CompletionStage<Optional<Account>> first = cache.find(D, "alice");
        clock.advance(TTL.multipliedBy(2));
        CompletionStage<Optional<Account>> second = cache.find(D, "alice");
        backing.release();

        assertThat(await(first)).contains(alice);
        assertThat(await(second)).contains(alice);
        assertThat(backing.findCalls()).isEqualTo(1);
    }

    @Test
    void failuresReachEveryWaitingCallerAndAreNotCached() {
        await(backing.put(alice));
        backing.failNextFind(new IllegalStateException("cassandra unavailable"));
        backing.hold();
        CompletionStage<Optional<Account>> first = cache.find(D, "alice");
        CompletionStage<Optional<Account>> joined = cache.find(D, "alice");
        backing.release();

        assertThatThrownBy(() -> await(first))
                .isInstanceOf(CompletionException.class)
                .hasRootCauseMessage("cassandra unavailable");
        assertThatThrownBy(() -> await(joined)).hasRootCauseMessage("cassandra unavailable");
        assertThat(await(cache.find(D, "alice"))).contains(alice);
        assertThat(backing.findCalls()).isEqualTo(2);
    }

    @Test
    void aStoreThatThrowsInsteadOfFailingItsStageDoesNotWedgeTheKey() {
        AccountStore throwing = new AccountStore() {
            @Override
            public CompletionStage<Optional<Account>> find(String domain, String user) {
                throw new IllegalStateException("no session");
            }

            @Override
            public CompletionStage<Void> put(Account account) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Boolean> delete(String domain, String user) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
                throw new UnsupportedOperationException();
            }
        };
        CachingAccountStore c = new CachingAccountStore(throwing, CachingAccountStore.Settings.DEFAULT, clock);

        assertThatThrownBy(() -> await(c.find(D, "alice"))).hasRootCauseMessage("no session");
        assertThat(c.size()).isZero();
    }

    @Test
    void putThroughTheCacheIsSeenAtOnceOnThisNode() {
        await(backing.put(alice));
        await(cache.find(D, "alice"));
        Account changed = account(D, "alice", "new password!");

        await(cache.put(changed));

        assertThat(await(cache.find(D, "alice"))).contains(changed);
        assertThat(await(cache.find(D, "carol"))).isEmpty();
        await(cache.put(account(D, "carol", "correct horse")));
        assertThat(await(cache.find(D, "carol"))).isPresent();
    }

    @Test
    void deleteThroughTheCacheIsSeenAtOnceOnThisNode() {
        await(backing.put(alice));
        await(cache.find(D, "alice"));

        assertThat(await(cache.delete(D, "alice"))).isTrue();

        assertThat(await(cache.find(D, "alice"))).isEmpty();
    }

    @Test
    void aReadThatRacedAWriteIsNotServedAfterTheWrite() {
        await(backing.put(alice));
        backing.hold();
        CompletionStage<Optional<Account>> raced = cache.find(D, "alice"); // sees the old row
        Account changed = account(D, "alice", "new password!");
        await(cache.put(changed));
        backing.release();

        assertThat(await(raced)).contains(alice); // asked before the write finished: fair
        assertThat(await(cache.find(D, "alice"))).contains(changed);
    }

    @Test
    void callersCannotCompleteTheSharedLookup() {
        await(backing.put(alice));
        backing.hold();
        cache.find(D, "alice").toCompletableFuture().complete(Optional.empty());
        CompletionStage<Optional<Account>> other = cache.find(D, "alice");
        backing.release();

        assertThat(await(other)).contains(alice);
    }

    @Test
    void removeExpiredDropsOnlyEntriesWhoseTimeIsUp() {
        await(backing.put(alice));
        await(cache.find(D, "alice"));
        clock.advance(Duration.ofSeconds(5));
        await(cache.find(D, "nobody")); // "no such user", cached 5 s after alice
        backing.hold();
        CompletionStage<Optional<Account>> loading = cache.find(D, "carol");
        assertThat(cache.size()).isEqualTo(3);

        clock.advance(TTL.minusSeconds(5));
        assertThat(cache.removeExpired()).as("alice expired").isEqualTo(1);
        clock.advance(TTL);
        assertThat(cache.removeExpired())
                .as("nobody expired; carol's read is still running")
                .isEqualTo(1);
        assertThat(cache.size()).isEqualTo(1);
        backing.release();
        assertThat(await(loading)).isEmpty();
        assertThat(backing.findCalls()).isEqualTo(3);
    }

    @Test
    void staysWithinItsBoundEvictingExpiredEntriesFirst() {
        CachingAccountStore small = cacheOf(10);
        for (int i = 0; i < 5; i++) {
            await(small.find(D, "old" + i));
        }
        clock.advance(TTL);
        for (int i = 0; i < 6; i++) {
            await(small.find(D, "new" + i));
        }
        // the 11th entry triggered a sweep: the five expired ones went, the fresh ones stayed
        assertThat(small.size()).isEqualTo(6);
        int calls = backing.findCalls();
        for (int i = 0; i < 6; i++) {
            await(small.find(D, "new" + i));
        }
        assertThat(backing.findCalls()).isEqualTo(calls);

        for (int i = 0; i < 100; i++) {
            await(small.find(D, "flood" + i));
            assertThat(small.size()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void listIsNotCached() {
        await(backing.put(alice));
        assertThat(await(cache.list(D, "", 10)).accounts()).containsExactly(alice);
        await(backing.delete(D, "alice"));
        assertThat(await(cache.list(D, "", 10)).accounts()).isEmpty();
    }

    @Test
    void settingsMustBePositive() {
        assertThatThrownBy(() -> new CachingAccountStore.Settings(0, TTL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CachingAccountStore.Settings(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** {@code switchboard.auth.account-cache-ttl = 0s}: no cache, every lookup reads the store (and sees its change at once). */
    @Test
    void aZeroTtlReadsTheStoreOnEveryLookup() {
        CachingAccountStore uncached =
                new CachingAccountStore(backing, new CachingAccountStore.Settings(1000, Duration.ZERO), clock);
        await(backing.put(alice));
        assertThat(await(uncached.find(D, "alice"))).contains(alice);
        assertThat(await(uncached.find(D, "alice"))).contains(alice);
        assertThat(await(uncached.find(D, "bob"))).isEmpty();
        await(backing.put(account(D, "bob", "battery staple"))); // created on another node
        assertThat(await(uncached.find(D, "bob"))).isPresent();
        assertThat(backing.findCalls()).isEqualTo(4);
        clock.advance(Duration.ofSeconds(2)); // Caffeine's timer wheel releases by the second
        uncached.removeExpired();
        assertThat(uncached.size())
                .as("nothing is kept past the node's next sweep")
                .isZero();
    }
}
