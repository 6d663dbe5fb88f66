package io.switchboard.accounts.store;

import io.switchboard.accounts.domain.Account;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node-local cache in front of another store for the registrar's hot path, {@link #find}.
 *
 * <p>What it buys: a digest exchange looks the user up twice within milliseconds (the request
 * that gets the 401 and the one with credentials), a user's devices and re-REGISTERs cluster in
 * time, and after a node restart thousands of clients arrive at once. Concurrent lookups of one
 * key share a single in-flight read, and results are kept for {@link Settings#ttl()}. Unknown
 * users are cached too, for the shorter {@link Settings#negativeTtl()}, so a scanner trying
 * thousands of names per second does not turn each try into a Cassandra read, while an account
 * created on another node becomes usable here within that shorter delay.
 *
 * <p>Staleness, accepted: {@link #put} and {@link #delete} through this instance invalidate only
 * this node's entry. Another node's cache may go on serving the old HA1 (or the old "unknown
 * user") for up to its TTL after a password change, creation or deletion elsewhere. Keep the
 * TTL short; a cluster-wide invalidation can call {@link #invalidate} when it exists.
 *
 * <p>Failures are not cached: callers sharing the failed read see the failure, the next lookup
 * tries again.
 *
 * <p>The bound is soft: when a new entry takes the size past {@link Settings#maxEntries()}, one
 * caller sweeps expired entries and then, if needed, arbitrary finished ones until 90% remain.
 * No LRU bookkeeping: with a TTL of seconds the cache only holds recently active users, and the
 * bound is a safety net against floods of distinct names rather than a working-set policy.
 */
public final class CachingAccountStore implements AccountStore {

    /**
     * @param maxEntries soft upper bound of cached keys
     * @param ttl how long a found account is served from memory
     * @param negativeTtl how long "no such user" is served from memory; keep it short
     */
    public record Settings(int maxEntries, Duration ttl, Duration negativeTtl) {

        /** 100k entries (~a few tens of MB), 30 s for accounts, 5 s for unknown users. */
        public static final Settings DEFAULT = new Settings(100_000, Duration.ofSeconds(30), Duration.ofSeconds(5));

        public Settings {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
            }
            requirePositive(ttl, "ttl");
            requirePositive(negativeTtl, "negativeTtl");
        }

        private static void requirePositive(Duration d, String name) {
            if (Objects.requireNonNull(d, name).isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }
    }

    private record Key(String domain, String user) {}

    /** One read of the delegate, shared while it runs and served until it expires. */
    private static final class Entry {
        final CompletableFuture<Optional<Account>> result = new CompletableFuture<>();
        /** Long.MAX_VALUE while loading: joining an in-flight read is always right. */
        volatile long expiresAtMillis = Long.MAX_VALUE;

        boolean usableAt(long nowMillis) {
            return nowMillis < expiresAtMillis;
        }
    }

    private final AccountStore delegate;
    private final Settings settings;
    private final Clock clock;
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    /** @param clock only its {@code millis()} is used; tests pass one they can move */
    public CachingAccountStore(AccountStore delegate, Settings settings, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletionStage<Optional<Account>> find(String domain, String user) {
        Key key = new Key(domain, user);
        long now = clock.millis();
        Entry cached = entries.get(key);
        if (cached != null && cached.usableAt(now)) {
            return view(cached);
        }
        Entry fresh = new Entry();
        Entry winner = entries.compute(key, (k, old) -> old != null && old.usableAt(now) ? old : fresh);
        if (winner == fresh) {
            load(key, fresh);
            if (entries.size() > settings.maxEntries()) {
                sweep();
            }
        }
        return view(winner);
    }

    /**
     * Callers get a stage they cannot complete: a caller completing the shared future (say,
     * with a timeout value) would otherwise answer for everyone else.
     */
    private static CompletionStage<Optional<Account>> view(Entry entry) {
        return entry.result.minimalCompletionStage();
    }

    private void load(Key key, Entry entry) {
        CompletionStage<Optional<Account>> read;
        try {
            read = delegate.find(key.domain(), key.user());
        } catch (RuntimeException e) {
            // a store that throws instead of failing its stage must not leave joiners hanging
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((account, error) -> {
            if (error != null) {
                entries.remove(key, entry);
                entry.result.completeExceptionally(error);
                return;
            }
            Duration ttl = account.isPresent() ? settings.ttl() : settings.negativeTtl();
            // Expiry before completion, so nobody sees a finished entry that never expires.
            entry.expiresAtMillis = clock.millis() + ttl.toMillis();
            entry.result.complete(account);
        });
    }

    private void sweep() {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = clock.millis();
            entries.values().removeIf(e -> !e.usableAt(now));
            int target = Math.max(1, settings.maxEntries() * 9 / 10);
            Iterator<Entry> it = entries.values().iterator();
            while (entries.size() > target && it.hasNext()) {
                // Loading entries stay: dropping them would only split one read into two.
                if (it.next().result.isDone()) {
                    it.remove();
                }
            }
        } finally {
            sweeping.set(false);
        }
    }

    /**
     * Invalidates before the write (this node stops serving the old account at once) and after
     * it (a read that raced the write may have fetched the old row; its entry is dropped so it
     * is not served to later callers).
     */
    @Override
    public CompletionStage<Void> put(Account account) {
        Key key = new Key(account.domain(), account.user());
        entries.remove(key);
        return delegate.put(account).whenComplete((done, error) -> entries.remove(key));
    }

    @Override
    public CompletionStage<Boolean> delete(String domain, String user) {
        Key key = new Key(domain, user);
        entries.remove(key);
        return delegate.delete(domain, user).whenComplete((existed, error) -> entries.remove(key));
    }

    /** Not cached: operators listing want the current state, and it is rare. */
    @Override
    public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
        return delegate.list(domain, afterUser, limit);
    }

    /**
     * Drops the entries whose time is up and returns how many. The lazy sweep in {@link #find} only
     * runs when the map outgrows {@link Settings#maxEntries()}, so without this an entry outlives its
     * TTL: after 100,000 users registered once, all 100,000 accounts (about 650 bytes each) stayed in
     * memory although none would be served again. The node calls this every few seconds.
     */
    public int removeExpired() {
        long now = clock.millis();
        int before = entries.size();
        // loading entries never expire (Long.MAX_VALUE) and stay
        entries.values().removeIf(e -> !e.usableAt(now));
        return Math.max(0, before - entries.size());
    }

    /** Drops this node's entry for one user, e.g. on hearing that another node changed it. */
    public void invalidate(String domain, String user) {
        entries.remove(new Key(domain, user));
    }

    /** Entries held now, including expired ones not yet swept; for metrics. */
    public int size() {
        return entries.size();
    }
}
