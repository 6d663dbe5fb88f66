package io.switchboard.storage.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A node-local, bounded read-through cache in front of a store, on Caffeine's {@link AsyncCache};
 * the account cache (accounts module) and the call settings cache (proxy module) are thin users of
 * it. It lives here, in storage, because both modules depend on storage and on nothing of each
 * other.
 *
 * <p>What it keeps:
 *
 * <ul>
 *   <li>One load per key at a time: concurrent lookups of a key share the read in flight, even if
 *       the clock passes a TTL meanwhile (Caffeine does not expire an entry whose future is not
 *       done).
 *   <li>Every result is cached, "absent" included (the loader's value is typically an {@code
 *       Optional}), for as long as {@code ttl} says for that value; the time runs from when the read
 *       completed.
 *   <li>Failures are not cached: the callers sharing the failed read see it, the next lookup reads
 *       again. A loader that throws instead of failing its stage is treated the same way.
 *   <li>Callers get a stage they cannot complete: one caller completing the shared future (say,
 *       with a timeout value) would otherwise answer for everyone else.
 *   <li>{@link #writeThrough} drops the key before the write (stop serving the old value now) and
 *       after it (a read that raced the write may have fetched the old row).
 *   <li>At most {@code maxEntries} keys; expired entries go first, then Caffeine's size policy
 *       picks. Maintenance runs on the calling thread, so the bound holds when a call returns and
 *       no pool thread is needed.
 * </ul>
 *
 * <p>Time comes from the given {@link Clock} ({@code millis()} only), so tests can move it.
 *
 * @param <K> the key
 * @param <V> what the loader reads, e.g. {@code Optional<Account>}
 */
public final class ReadThroughCache<K, V> {

    private final AsyncCache<K, V> cache;
    private final Function<K, CompletionStage<V>> loader;

    /**
     * @param maxEntries upper bound of cached keys, reads in flight included
     * @param ttl how long a loaded value is served from memory, per value (e.g. shorter for "absent")
     * @param loader reads one key from the store behind the cache
     * @param clock only {@code millis()} is used
     */
    public ReadThroughCache(
            int maxEntries, Function<V, Duration> ttl, Function<K, CompletionStage<V>> loader, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
        }
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(clock, "clock");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .executor(Runnable::run)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(new Expiry<K, V>() {
                    @Override
                    public long expireAfterCreate(K key, V value, long currentTime) {
                        return ttl.apply(value).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(K key, V value, long currentTime, long currentDuration) {
                        return ttl.apply(value).toNanos();
                    }

                    @Override
                    public long expireAfterRead(K key, V value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .buildAsync();
    }

    /** The cached value of {@code key}, or the read in flight, or a new read. */
    public CompletionStage<V> get(K key) {
        return cache.get(key, (k, executor) -> load(k)).minimalCompletionStage();
    }

    private CompletableFuture<V> load(K key) {
        try {
            return loader.apply(key).toCompletableFuture();
        } catch (RuntimeException e) {
            // a store that throws instead of failing its stage must not leave joiners hanging
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Runs {@code write} for {@code key}, dropping this node's entry before it starts and after it
     * ends (successfully or not).
     */
    public <T> CompletionStage<T> writeThrough(K key, Supplier<CompletionStage<T>> write) {
        invalidate(key);
        CompletionStage<T> done;
        try {
            done = write.get();
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        return done.whenComplete((result, error) -> invalidate(key));
    }

    /** Drops this node's entry for {@code key}; a read in flight still answers its callers. */
    public void invalidate(K key) {
        cache.synchronous().invalidate(key);
    }

    /**
     * Releases the entries whose time is up and returns how many went. Expired entries are never
     * served, but without this they would wait in memory until the next write's maintenance.
     */
    public int removeExpired() {
        long before = cache.synchronous().estimatedSize();
        cache.synchronous().cleanUp();
        return (int) Math.max(0, before - cache.synchronous().estimatedSize());
    }

    /** Entries held now, reads in flight and expired entries not yet released included. */
    public int size() {
        return (int) cache.synchronous().estimatedSize();
    }
}
