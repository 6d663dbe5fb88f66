package io.switchboard.proxy.store;

import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.storage.cache.ReadThroughCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A node-local cache in front of another store, for the proxy, which asks for the callee's settings
 * on every INVITE. Results, including "no settings" (most users have none), are served from memory
 * for {@link Settings#ttl()}; concurrent lookups of one AOR share a single read.
 *
 * <p>Staleness, accepted: {@link #put} and {@link #delete} through this instance drop this node's
 * entry at once, but another node may go on using the old settings for up to its TTL (5 s by
 * default) after an operator changed them elsewhere. For forwarding that an operator sets by hand
 * that delay does not matter; for a proxy reading settings at hundreds of calls per second it
 * saves one Cassandra read per call.
 *
 * <p>Failures are not cached: the callers sharing the failed read see it, the next lookup reads again.
 *
 * <p>Bounded by {@link Settings#maxEntries()}: expired entries go first, then Caffeine's size
 * policy chooses ({@link ReadThroughCache}, shared with the account cache). The node should also
 * call {@link #removeExpired()} every few seconds so memory follows recently called users only.
 */
public final class CachingCallSettingsStore implements CallSettingsStore {

    /**
     * @param maxEntries upper bound of cached AORs
     * @param ttl how long a read (settings or "none") is served from memory; the delay before an
     *     edit made on another node takes effect here
     */
    public record Settings(int maxEntries, Duration ttl) {

        /** 100k AORs (a few tens of MB at most), 5 s. */
        public static final Settings DEFAULT = new Settings(100_000, Duration.ofSeconds(5));

        public Settings {
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be positive, was " + maxEntries);
            }
            if (Objects.requireNonNull(ttl, "ttl").isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl must be positive, was " + ttl);
            }
        }
    }

    private final CallSettingsStore delegate;
    private final ReadThroughCache<String, Optional<CallSettings>> cache;

    /** @param clock only {@code millis()} is used; tests pass one they can move */
    public CachingCallSettingsStore(CallSettingsStore delegate, Settings settings, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(settings, "settings");
        this.cache = new ReadThroughCache<>(settings.maxEntries(), found -> settings.ttl(), delegate::find, clock);
    }

    /** The usual wiring: {@link Settings#DEFAULT} and the system clock. */
    public static CachingCallSettingsStore of(CallSettingsStore delegate) {
        return new CachingCallSettingsStore(delegate, Settings.DEFAULT, Clock.systemUTC());
    }

    @Override
    public CompletionStage<Optional<CallSettings>> find(String aor) {
        return cache.get(CallSettings.canonicalAor(aor));
    }

    /** Reads the delegate and drops this node's entry, so calls here also stop using an older copy. */
    @Override
    public CompletionStage<Optional<CallSettings>> findLatest(String aor) {
        String key = CallSettings.canonicalAor(aor);
        return cache.writeThrough(key, () -> delegate.findLatest(key));
    }

    /**
     * Drops this node's entry before the write (stop serving the old settings now) and after it (a
     * read racing the write may have cached the old row).
     */
    @Override
    public CompletionStage<Void> put(CallSettings s) {
        return cache.writeThrough(s.aor(), () -> delegate.put(s));
    }

    @Override
    public CompletionStage<Void> delete(String aor) {
        String key = CallSettings.canonicalAor(aor);
        return cache.writeThrough(key, () -> delegate.delete(key));
    }

    /** Releases the entries whose time is up and returns how many; the node calls it every few seconds. */
    public int removeExpired() {
        return cache.removeExpired();
    }

    /** Drops this node's entry for {@code aor}, e.g. on hearing that another node changed it. */
    public void invalidate(String aor) {
        cache.invalidate(CallSettings.canonicalAor(aor));
    }

    /** Entries held now, expired ones not yet released included; for metrics and tests. */
    public int size() {
        return cache.size();
    }
}
