package io.switchboard.proxy.store;

import io.switchboard.proxy.domain.CallSettings;
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
 * <p>Bounded softly: when a new entry takes the map past {@link Settings#maxEntries()}, expired
 * entries are swept, then arbitrary finished ones until 90% remain. The node should also call
 * {@link #removeExpired()} every few seconds so memory follows recently called users only.
 */
public final class CachingCallSettingsStore implements CallSettingsStore {

    /**
     * @param maxEntries soft upper bound of cached AORs
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

    /** One read of the delegate, shared while it runs and served until it expires. */
    private static final class Entry {
        final CompletableFuture<Optional<CallSettings>> result = new CompletableFuture<>();
        /** Long.MAX_VALUE while loading: joining a read in flight is always right. */
        volatile long expiresAtMillis = Long.MAX_VALUE;

        boolean usableAt(long nowMillis) {
            return nowMillis < expiresAtMillis;
        }
    }

    private final CallSettingsStore delegate;
    private final Settings settings;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    /** @param clock only {@code millis()} is used; tests pass one they can move */
    public CachingCallSettingsStore(CallSettingsStore delegate, Settings settings, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The usual wiring: {@link Settings#DEFAULT} and the system clock. */
    public static CachingCallSettingsStore of(CallSettingsStore delegate) {
        return new CachingCallSettingsStore(delegate, Settings.DEFAULT, Clock.systemUTC());
    }

    @Override
    public CompletionStage<Optional<CallSettings>> find(String aor) {
        String key = CallSettings.canonicalAor(aor);
        long now = clock.millis();
        Entry cached = entries.get(key);
        if (cached != null && cached.usableAt(now)) {
            return cached.result.minimalCompletionStage();
        }
        Entry fresh = new Entry();
        Entry winner = entries.compute(key, (k, old) -> old != null && old.usableAt(now) ? old : fresh);
        if (winner == fresh) {
            load(key, fresh);
            if (entries.size() > settings.maxEntries()) {
                sweep();
            }
        }
        // minimal: a caller completing the shared future must not answer for everyone else
        return winner.result.minimalCompletionStage();
    }

    /** Reads the delegate and drops this node's entry, so calls here also stop using an older copy. */
    @Override
    public CompletionStage<Optional<CallSettings>> findLatest(String aor) {
        String key = CallSettings.canonicalAor(aor);
        entries.remove(key);
        return delegate.findLatest(key).whenComplete((found, error) -> entries.remove(key));
    }

    private void load(String key, Entry entry) {
        CompletionStage<Optional<CallSettings>> read;
        try {
            read = delegate.find(key);
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((found, error) -> {
            if (error != null) {
                entries.remove(key, entry);
                entry.result.completeExceptionally(error);
                return;
            }
            // expiry first, so nobody sees a finished entry that never expires
            entry.expiresAtMillis = clock.millis() + settings.ttl().toMillis();
            entry.result.complete(found);
        });
    }

    /**
     * Drops this node's entry before the write (stop serving the old settings now) and after it (a
     * read racing the write may have cached the old row).
     */
    @Override
    public CompletionStage<Void> put(CallSettings s) {
        String key = s.aor();
        entries.remove(key);
        return delegate.put(s).whenComplete((done, error) -> entries.remove(key));
    }

    @Override
    public CompletionStage<Void> delete(String aor) {
        String key = CallSettings.canonicalAor(aor);
        entries.remove(key);
        return delegate.delete(key).whenComplete((done, error) -> entries.remove(key));
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
                if (it.next().result.isDone()) { // a loading entry stays: dropping it would split one read into two
                    it.remove();
                }
            }
        } finally {
            sweeping.set(false);
        }
    }

    /** Drops the entries whose time is up and returns how many; the node calls it every few seconds. */
    public int removeExpired() {
        long now = clock.millis();
        int before = entries.size();
        entries.values().removeIf(e -> !e.usableAt(now));
        return Math.max(0, before - entries.size());
    }

    /** Drops this node's entry for {@code aor}, e.g. on hearing that another node changed it. */
    public void invalidate(String aor) {
        entries.remove(CallSettings.canonicalAor(aor));
    }

    /** Entries held now, expired ones not yet swept included; for metrics and tests. */
    public int size() {
        return entries.size();
    }
}
