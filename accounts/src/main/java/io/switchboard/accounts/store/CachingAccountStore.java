package io.switchboard.accounts.store;

import io.switchboard.accounts.domain.Account;
import io.switchboard.storage.cache.ReadThroughCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A node-local cache in front of another store for the registrar's hot path, {@link #find}.
 *
 * <p>What it buys: a digest exchange looks the user up twice within milliseconds (the request
 * that gets the 401 and the one with credentials), a user's devices and re-REGISTERs cluster in
 * time, and after a node restart thousands of clients arrive at once. Concurrent lookups of one
 * key share a single in-flight read, and results are kept for {@link Settings#ttl()}.
 *
 * <p>Unknown users are cached exactly like known ones, for the same TTL: a lookup of a name reads
 * the store exactly when it would for an existing user, so how long an answer takes tells nobody
 * whether the user exists (README, "No user enumeration"; a shorter TTL for "absent" made every
 * lookup of an unknown user between that TTL and the account TTL a store read, and a known one a
 * memory hit). A scanner trying thousands of names per second does not turn repeated tries into
 * Cassandra reads either. The price: an account created on another node becomes usable here only
 * after a "no such user" cached before its creation expires, as a password change does.
 *
 * <p>Staleness, accepted: {@link #put} and {@link #delete} through this instance invalidate only
 * this node's entry. Another node's cache may go on serving the old HA1 (or the old "unknown
 * user") for up to its TTL after a password change, creation or deletion elsewhere. Keep the
 * TTL short; a cluster-wide invalidation can call {@link #invalidate} when it exists.
 *
 * <p>Failures are not cached: callers sharing the failed read see the failure, the next lookup
 * tries again.
 *
 * <p>Bounded by {@link Settings#maxEntries()}: expired entries go first, then Caffeine's size
 * policy chooses ({@link ReadThroughCache}, which holds the cache logic shared with the proxy's
 * call settings cache). With a TTL of seconds the cache only holds recently active users; the
 * bound is a safety net against floods of distinct names.
 */
public final class CachingAccountStore implements AccountStore {

    /**
     * @param maxEntries upper bound of cached keys
     * @param ttl how long a lookup's answer, an account or "no such user" alike, is served from
     *     memory; zero: not at all (every lookup reads the store; only lookups of one key at the same
     *     moment share a read), what {@code switchboard.auth.account-cache-ttl = 0s} asks for
     */
    public record Settings(int maxEntries, Duration ttl) {

        /** 100k entries (~a few tens of MB), 30 s. */
        public static final Settings DEFAULT = new Settings(100_000, Duration.ofSeconds(30));

        public Settings {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
            }
            if (Objects.requireNonNull(ttl, "ttl").isNegative()) {
                throw new IllegalArgumentException("ttl must not be negative, was " + ttl);
            }
        }
    }

    private record Key(String domain, String user) {}

    private final AccountStore delegate;
    private final ReadThroughCache<Key, Optional<Account>> cache;

    /** @param clock only its {@code millis()} is used; tests pass one they can move */
    public CachingAccountStore(AccountStore delegate, Settings settings, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(settings, "settings");
        this.cache = new ReadThroughCache<>(
                settings.maxEntries(),
                // one TTL whatever was found (see the class comment)
                found -> settings.ttl(),
                key -> delegate.find(key.domain(), key.user()),
                clock);
    }

    @Override
    public CompletionStage<Optional<Account>> find(String domain, String user) {
        return cache.get(new Key(domain, user));
    }

    /**
     * Invalidates before the write (this node stops serving the old account at once) and after
     * it (a read that raced the write may have fetched the old row; its entry is dropped so it
     * is not served to later callers).
     */
    @Override
    public CompletionStage<Void> put(Account account) {
        return cache.writeThrough(new Key(account.domain(), account.user()), () -> delegate.put(account));
    }

    @Override
    public CompletionStage<Boolean> delete(String domain, String user) {
        return cache.writeThrough(new Key(domain, user), () -> delegate.delete(domain, user));
    }

    /** Not cached: operators listing want the current state, and it is rare. */
    @Override
    public CompletionStage<AccountPage> list(String domain, String afterUser, int limit) {
        return delegate.list(domain, afterUser, limit);
    }

    /**
     * Releases the entries whose time is up and returns how many. Expired entries are never served,
     * but they would otherwise stay in memory until a later write: after 100,000 users registered
     * once, all 100,000 accounts (about 650 bytes each) would wait there although none would be
     * served again. The node calls this every few seconds.
     */
    public int removeExpired() {
        return cache.removeExpired();
    }

    /** Drops this node's entry for one user, e.g. on hearing that another node changed it. */
    public void invalidate(String domain, String user) {
        cache.invalidate(new Key(domain, user));
    }

    /** Entries held now, including expired ones not yet released; for metrics. */
    public int size() {
        return cache.size();
    }
}
