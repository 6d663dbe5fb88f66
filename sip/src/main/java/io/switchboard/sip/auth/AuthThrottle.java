package io.switchboard.sip.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * Slows down online password guessing (sipvicious {@code svcrack} and friends) without letting
 * anyone lock a real user out. Failed authentications are counted in three scopes:
 *
 * <ul>
 *   <li>{@link Scope#ACCOUNT_SOURCE}: one claimed account from one source address. More than
 *       {@code perAccountSource} failures within {@code window} refuse that pair for
 *       {@code lockout}. Someone guessing from elsewhere never touches this pair, so it cannot be
 *       used to lock anyone else out.</li>
 *   <li>{@link Scope#SOURCE}: one source address, whatever account it claims (an address trying
 *       many accounts, svcrack with a user list): more than {@code perSource} within
 *       {@code window} refuse the address for {@code lockout}, except for its known devices.</li>
 *   <li>{@link Scope#ACCOUNT_POOL}: one account, from anywhere, counted by every node of the pool
 *       together ({@link PoolFailureCounts}) in fixed time buckets of {@code poolWindow}. Once
 *       {@code poolBudget} failures are spent in the current bucket, strangers' attempts on that
 *       account are refused before any digest is computed until the bucket ends. This is the
 *       limit that bounds how fast one password can be guessed, by any number of addresses.</li>
 * </ul>
 *
 * <p><b>Known devices.</b> A source that authenticated successfully as an account within
 * {@code knownDeviceTtl} is a known device of that account (the owner's phone, their office NAT).
 * A known device is never refused because of anyone else's failures: the source and pool limits
 * do not apply to it, and its own failures count only against its own pair (so a phone with a
 * stale password is slowed, {@code perAccountSource} tries per {@code window} then a
 * {@code lockout}, and does not spend the account's pool budget for the owner's other devices).
 * Known devices are remembered by the node that saw the success, in memory; a phone that moves to
 * another node is a stranger there until it authenticates once.
 *
 * <p>The account key is the {@code username@realm} the request <em>claims</em>, whether or not such
 * an account exists: counting only known accounts would let an attacker tell them apart by
 * whether a limit is ever reached.
 *
 * <p>{@link #success} clears its pair's failures and remembers the device; it does no I/O (the
 * register path must stay as fast as before). The pool counter is written only on failures, from
 * {@link #failure}, asynchronously; at most {@value #MAX_POOL_WRITES_IN_FLIGHT} writes are in flight
 * per node, further failures are then counted locally only. A burst of parallel guesses reaching a
 * node within one store round trip can overshoot the budget by that burst; the per-source limit
 * bounds it per attacking address.
 *
 * <p>Memory is bounded: window keys are dropped once idle (lazy sweep), each scope tracks at most
 * {@code maxTrackedKeys} keys (the least recently failing unlocked keys are forgotten first, so a
 * flood of random usernames can neither exhaust memory nor push out an ongoing lockout), and at
 * most {@code maxKnownDevices} known devices are kept (the least recently seen go first). Keys
 * longer than 128 characters are stored hashed. Thread-safe; counting is best effort at the edges
 * (a failure racing with the sweep of its key can be lost), which is fine for a rate limiter.
 */
public final class AuthThrottle {
    public static final int DEFAULT_MAX_TRACKED_KEYS = 50_000;
    static final int MAX_POOL_WRITES_IN_FLIGHT = 256;
    private static final int MAX_KEY_LENGTH = 128;
    /** A known device's last-seen time is rewritten at most this often (fewer writes on the success path). */
    private static final long KNOWN_REFRESH_MILLIS = 60_000;

    public enum Scope {
        SOURCE,
        ACCOUNT_SOURCE,
        ACCOUNT_POOL;

        /** The metric label: {@code source}, {@code account_source}, {@code account_pool}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param perAccountSource failures of one account from one source tolerated within {@code window}
     * @param perSource        failures from one source tolerated within {@code window}; higher, because
     *                         many phones share an office NAT address
     * @param lockout          how long a pair or source over its limit is refused
     * @param poolBudget       failures of one account tolerated per {@code poolWindow}, pool-wide
     * @param poolWindow       the length of the pool budget's time buckets
     * @param knownDeviceTtl   how long a successful authentication makes its source a known device
     * @param maxKnownDevices  cap on (account, source) pairs remembered as known devices
     */
    public record Limits(
            int perAccountSource,
            int perSource,
            Duration window,
            Duration lockout,
            int poolBudget,
            Duration poolWindow,
            Duration knownDeviceTtl,
            int maxKnownDevices) {
        /**
         * The shipped defaults. 60 failures an hour per account, pool-wide: 525,960 guesses a year,
         * so a random 10-character password over 62 symbols (62^10 = 8.4e17, found after half of
         * them on average) takes about 8e11 years; a password among the 10,000 most common ones
         * falls after about 83 hours (5,000 guesses) on average: only length and randomness help.
         */
        public static final Limits DEFAULT = new Limits(
                5,
                30,
                Duration.ofSeconds(60),
                Duration.ofMinutes(5),
                60,
                Duration.ofHours(1),
                Duration.ofHours(24),
                100_000);

        public Limits {
            if (perAccountSource < 1 || perSource < 1 || poolBudget < 1 || maxKnownDevices < 1) {
                throw new IllegalArgumentException("limits must be positive");
            }
            for (Duration d : new Duration[] {window, lockout, poolWindow, knownDeviceTtl}) {
                Objects.requireNonNull(d, "durations");
                if (d.toMillis() < 1) {
                    throw new IllegalArgumentException("durations must be positive");
                }
            }
        }
    }

    public enum Outcome {
        ALLOWED(null),
        BLOCKED_SOURCE(Scope.SOURCE),
        BLOCKED_ACCOUNT_SOURCE(Scope.ACCOUNT_SOURCE),
        BLOCKED_ACCOUNT_POOL(Scope.ACCOUNT_POOL);

        private final Scope scope;

        Outcome(Scope scope) {
            this.scope = scope;
        }

        /** The scope whose limit refused the request; null when allowed. */
        public Scope scope() {
            return scope;
        }
    }

    /**
     * @param retryAfterSeconds when blocked, seconds until the refusal ends (at least 1), suitable
     *                          for a Retry-After header; 0 when allowed
     */
    public record Decision(Outcome outcome, long retryAfterSeconds) {
        public static final Decision ALLOWED = new Decision(Outcome.ALLOWED, 0);

        public boolean allowed() {
            return outcome == Outcome.ALLOWED;
        }
    }

    private final Limits limits;
    private final int maxTrackedKeys;
    private final AuthEvents events;
    private final PoolFailureCounts pool;
    private final Tracker pairs;
    private final Tracker sources;
    private final Map<String, PoolCount> accounts = new ConcurrentHashMap<>();
    private final AtomicBoolean sweepingAccounts = new AtomicBoolean();
    private volatile long lastAccountSweep;
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    private final AtomicBoolean trimmingKnown = new AtomicBoolean();
    private final Semaphore poolWrites = new Semaphore(MAX_POOL_WRITES_IN_FLIGHT);

    public AuthThrottle() {
        this(Limits.DEFAULT);
    }

    public AuthThrottle(Limits limits) {
        this(limits, DEFAULT_MAX_TRACKED_KEYS, AuthEvents.NONE, PoolFailureCounts.LOCAL);
    }

    /**
     * @param maxTrackedKeys cap on keys remembered per scope (pairs, sources, accounts)
     * @param pool           where the pool-wide per-account failure counts are shared
     */
    public AuthThrottle(Limits limits, int maxTrackedKeys, AuthEvents events, PoolFailureCounts pool) {
        this.limits = Objects.requireNonNull(limits, "limits");
        if (maxTrackedKeys < 4) {
            throw new IllegalArgumentException("maxTrackedKeys too small");
        }
        this.maxTrackedKeys = maxTrackedKeys;
        this.events = Objects.requireNonNull(events, "events");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.pairs = new Tracker(Scope.ACCOUNT_SOURCE, limits.perAccountSource());
        this.sources = new Tracker(Scope.SOURCE, limits.perSource());
    }

    public Limits limits() {
        return limits;
    }

    /** Whether a request claiming {@code accountKey} from {@code sourceIp} may be verified now. */
    public Decision check(String accountKey, String sourceIp, Instant now) {
        long nowMillis = now.toEpochMilli();
        String account = normalize(accountKey);
        String pair = pairKey(account, sourceIp);
        long pairUntil = pairs.blockedUntil(pair);
        if (pairUntil > nowMillis) {
            return blocked(Outcome.BLOCKED_ACCOUNT_SOURCE, pairUntil, nowMillis);
        }
        if (isKnown(pair, nowMillis)) {
            return Decision.ALLOWED;
        }
        long sourceUntil = sources.blockedUntil(normalize(sourceIp));
        if (sourceUntil > nowMillis) {
            return blocked(Outcome.BLOCKED_SOURCE, sourceUntil, nowMillis);
        }
        PoolCount c = accounts.get(account);
        long bucket = bucket(nowMillis);
        if (c != null && c.spent(bucket, limits.poolBudget())) {
            return blocked(
                    Outcome.BLOCKED_ACCOUNT_POOL,
                    (bucket + 1) * limits.poolWindow().toMillis(),
                    nowMillis);
        }
        return Decision.ALLOWED;
    }

    /**
     * Records a failed authentication (wrong password, unknown user, forged nonce, replay...). A
     * known device's failure counts against its own pair only; anyone else's in all three scopes,
     * and publishes the account's count to the pool (asynchronously, never blocking the caller).
     */
    public void failure(String accountKey, String sourceIp, Instant now) {
        long nowMillis = now.toEpochMilli();
        String account = normalize(accountKey);
        String pair = pairKey(account, sourceIp);
        pairs.failure(pair, nowMillis);
        if (isKnown(pair, nowMillis)) {
            return;
        }
        sources.failure(normalize(sourceIp), nowMillis);
        long bucket = bucket(nowMillis);
        int[] counted = new int[1];
        // counted inside the map's own atomic step, so a concurrent sweep cannot drop the count
        // between finding the entry and counting in it (the next failure would start from 1)
        PoolCount c = accounts.compute(account, (k, old) -> {
            PoolCount p = old == null ? new PoolCount() : old;
            counted[0] = p.failure(bucket, nowMillis, limits.poolBudget());
            return p;
        });
        int local = counted[0];
        if (local < 0) {
            events.lockout(Scope.ACCOUNT_POOL);
            local = -local;
        }
        sweepAccounts(bucket, nowMillis);
        if (!poolWrites.tryAcquire()) {
            return; // the store is slow or flooded: count locally and do not queue without bound
        }
        publish(account, bucket, local, c, true);
    }

    /** Writes this node's count to the pool (holding a write permit); one retry, as the write is idempotent. */
    private void publish(String account, long bucket, int written, PoolCount c, boolean retry) {
        CompletionStage<Integer> total;
        try {
            total = pool.record(account, bucket, written);
        } catch (RuntimeException e) {
            poolWrites.release();
            return;
        }
        total.whenComplete((others, error) -> {
            if (others == null && retry) {
                publish(account, bucket, written, c, false);
                return;
            }
            poolWrites.release();
            if (others != null && c.learn(bucket, others, limits.poolBudget())) {
                events.lockout(Scope.ACCOUNT_POOL);
            }
        });
    }

    /**
     * Records a successful authentication: the source becomes (or stays) a known device of the
     * account and its pair's failures are forgotten. The source's failures are not: an attacker
     * holding one valid account could otherwise reset its source counter between guesses at other
     * accounts. In memory only, no I/O.
     */
    public void success(String accountKey, String sourceIp, Instant now) {
        long nowMillis = now.toEpochMilli();
        String pair = pairKey(normalize(accountKey), sourceIp);
        pairs.clear(pair);
        Long seen = known.get(pair);
        if (seen == null || nowMillis - seen >= KNOWN_REFRESH_MILLIS) {
            known.put(pair, nowMillis);
            if (seen == null && known.size() > limits.maxKnownDevices()) {
                trimKnown(nowMillis);
            }
        }
    }

    /**
     * Drops known devices whose time is up and pool counts of past buckets. Also done lazily, but a
     * periodic call makes memory follow the recently active users rather than all who ever came.
     */
    public void removeExpired(Instant now) {
        long nowMillis = now.toEpochMilli();
        long ttl = limits.knownDeviceTtl().toMillis();
        known.values().removeIf(seen -> nowMillis - seen >= ttl);
        removeStaleAccounts(bucket(nowMillis));
    }

    /** Per key, atomically: a failure counted at the same moment is never lost with its entry. */
    private void removeStaleAccounts(long bucket) {
        for (String key : accounts.keySet()) {
            accounts.computeIfPresent(key, (k, c) -> c.stale(bucket) ? null : c);
        }
    }

    /** Keys currently remembered in a scope (for a gauge). */
    public int trackedKeys(Scope scope) {
        return switch (scope) {
            case SOURCE -> sources.counters.size();
            case ACCOUNT_SOURCE -> pairs.counters.size();
            case ACCOUNT_POOL -> accounts.size();
        };
    }

    /** Known devices currently remembered. */
    public int knownDevices() {
        return known.size();
    }

    private Decision blocked(Outcome outcome, long untilMillis, long nowMillis) {
        events.blocked(outcome.scope());
        return new Decision(outcome, Math.max(1, (untilMillis - nowMillis + 999) / 1000));
    }

    private boolean isKnown(String pair, long nowMillis) {
        Long seen = known.get(pair);
        return seen != null && nowMillis - seen < limits.knownDeviceTtl().toMillis();
    }

    private long bucket(long nowMillis) {
        return Math.floorDiv(nowMillis, limits.poolWindow().toMillis());
    }

    private static String pairKey(String account, String sourceIp) {
        // unambiguous: a source address never contains a newline, so the last one separates
        return account + "\n" + normalize(sourceIp);
    }

    private void trimKnown(long nowMillis) {
        if (!trimmingKnown.compareAndSet(false, true)) {
            return;
        }
        try {
            long ttl = limits.knownDeviceTtl().toMillis();
            known.values().removeIf(seen -> nowMillis - seen >= ttl);
            int excess = known.size() - limits.maxKnownDevices() * 3 / 4;
            if (known.size() > limits.maxKnownDevices() && excess > 0) {
                evictOldest(known, excess, Map.Entry::getValue);
            }
        } finally {
            trimmingKnown.set(false);
        }
    }

    private void sweepAccounts(long bucket, long nowMillis) {
        if (accounts.size() <= maxTrackedKeys
                && nowMillis - lastAccountSweep < limits.poolWindow().toMillis()) {
            return;
        }
        if (!sweepingAccounts.compareAndSet(false, true)) {
            return;
        }
        try {
            lastAccountSweep = nowMillis;
            removeStaleAccounts(bucket);
            int excess = accounts.size() - maxTrackedKeys * 3 / 4;
            if (accounts.size() > maxTrackedKeys && excess > 0) {
                // accounts whose budget is spent go last: forgetting them would reopen guessing
                int budget = limits.poolBudget();
                evictOldest(
                        accounts,
                        excess,
                        e -> (e.getValue().spent(bucket, budget) ? Long.MAX_VALUE / 2 : 0)
                                + e.getValue().lastFailure());
            }
        } finally {
            sweepingAccounts.set(false);
        }
    }

    /** Forgets the {@code n} entries of {@code map} with the lowest {@code age} (oldest first). */
    private static <V> void evictOldest(Map<String, V> map, int n, ToLongFunction<Map.Entry<String, V>> age) {
        record Victim(String key, long age) {}
        List<Victim> all = new ArrayList<>(map.size());
        for (Map.Entry<String, V> e : map.entrySet()) {
            all.add(new Victim(e.getKey(), age.applyAsLong(e)));
        }
        all.sort(Comparator.comparingLong(Victim::age));
        for (int i = 0; i < n && i < all.size(); i++) {
            map.remove(all.get(i).key());
        }
    }

    /**
     * One account's failures in the current pool bucket: those this node saw, and the pool's total
     * as last learned from the store plus this node's failures since.
     */
    private static final class PoolCount {
        private long bucket = Long.MIN_VALUE;
        private int local;
        private int total;
        private long lastFailure;

        /** @return this node's count for the bucket, negated if this failure spent the budget */
        synchronized int failure(long now, long nowMillis, int budget) {
            if (bucket != now) {
                bucket = now;
                local = 0;
                total = 0;
            }
            lastFailure = nowMillis;
            local++;
            total++;
            return total == budget ? -local : local;
        }

        /**
         * What the other nodes counted, as the store answered a write of this node: the pool's total
         * is that plus this node's own count (never less than what was known before).
         *
         * @return true if this news spent the budget
         */
        synchronized boolean learn(long forBucket, int otherNodes, int budget) {
            if (forBucket != bucket) {
                return false;
            }
            int before = total;
            total = Math.max(total, otherNodes + local);
            return before < budget && total >= budget;
        }

        synchronized boolean spent(long now, int budget) {
            return bucket == now && total >= budget;
        }

        synchronized boolean stale(long now) {
            return bucket < now;
        }

        synchronized long lastFailure() {
            return lastFailure;
        }
    }

    /**
     * Failure times of one key still inside the window, oldest first, in a ring that grows on
     * demand up to limit+1 slots: memory follows the failures actually held, so a key an attacker
     * touches once costs a few bytes however high the limit is configured.
     */
    private static final class Counter {
        private static final int INITIAL_SLOTS = 2;
        private final int limit;
        private long[] times = new long[INITIAL_SLOTS];
        private int head;
        private int size;
        private long lastFailure;
        private long blockedUntil;

        Counter(int limit) {
            this.limit = limit;
        }

        /** @return true if this failure started a lockout */
        synchronized boolean failure(long now, long window, long lockout) {
            lastFailure = now;
            if (blockedUntil > now) {
                return false; // check() refuses locked keys; a stray failure does not extend the lockout
            }
            while (size > 0 && now - times[head] >= window) {
                head = (head + 1) % times.length;
                size--;
            }
            if (size == times.length) {
                grow();
            }
            times[(head + size) % times.length] = now;
            size++;
            if (size > limit) {
                blockedUntil = now + lockout;
                // after the lockout the key starts with a fresh allowance
                times = new long[INITIAL_SLOTS];
                head = 0;
                size = 0;
                return true;
            }
            return false;
        }

        private void grow() {
            long[] bigger = new long[Math.min(times.length * 2, limit + 1)];
            for (int i = 0; i < size; i++) {
                bigger[i] = times[(head + i) % times.length];
            }
            times = bigger;
            head = 0;
        }

        synchronized long blockedUntil() {
            return blockedUntil;
        }

        synchronized boolean idle(long now, long window) {
            return blockedUntil <= now && now - lastFailure >= window;
        }

        synchronized long lastFailure() {
            return lastFailure;
        }
    }

    /** Failures per key of one windowed scope (pairs or sources); keys arrive normalized. */
    private final class Tracker {
        final Scope scope;
        final int limit;
        final Map<String, Counter> counters = new ConcurrentHashMap<>();
        final AtomicBoolean sweeping = new AtomicBoolean();
        volatile long lastSweep;

        Tracker(Scope scope, int limit) {
            this.scope = scope;
            this.limit = limit;
        }

        long blockedUntil(String key) {
            Counter c = counters.get(key);
            return c == null ? 0 : c.blockedUntil();
        }

        void failure(String key, long now) {
            Counter c = counters.computeIfAbsent(key, k -> new Counter(limit));
            if (c.failure(now, limits.window().toMillis(), limits.lockout().toMillis())) {
                events.lockout(scope);
            }
            maybeSweep(now);
        }

        void clear(String key) {
            counters.remove(key);
        }

        private void maybeSweep(long now) {
            long window = limits.window().toMillis();
            if (counters.size() <= maxTrackedKeys && now - lastSweep < window) {
                return;
            }
            if (!sweeping.compareAndSet(false, true)) {
                return;
            }
            try {
                lastSweep = now;
                counters.values().removeIf(c -> c.idle(now, window));
                int excess = counters.size() - maxTrackedKeys * 3 / 4;
                if (counters.size() > maxTrackedKeys && excess > 0) {
                    // unlocked before locked, least recently failing first
                    evictOldest(
                            counters,
                            excess,
                            e -> (e.getValue().blockedUntil() > now ? Long.MAX_VALUE / 2 : 0)
                                    + e.getValue().lastFailure());
                }
            } finally {
                sweeping.set(false);
            }
        }
    }

    private static String normalize(String key) {
        String k = key == null ? "" : key;
        if (k.length() <= MAX_KEY_LENGTH) {
            return k;
        }
        // a megabyte of username must not cost a megabyte of memory
        return "#" + DigestAlgorithm.SHA_256.hashHex(k);
    }
}
