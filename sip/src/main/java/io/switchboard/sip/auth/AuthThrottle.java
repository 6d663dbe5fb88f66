package io.switchboard.sip.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Slows down online password guessing (sipvicious {@code svcrack} and friends) by counting failed
 * authentications per claimed account and per source IP over a sliding window. More than the
 * limit of failures within the window locks that account or source out for the lockout period:
 * {@link #check} then refuses it before any digest is computed.
 *
 * <p>The account key is the {@code username@realm} the request <em>claims</em>, whether or not
 * such an account exists: counting only known accounts would let an attacker tell them apart by
 * whether a lockout ever happens. Use the same normalization as the account lookup.
 *
 * <p>{@link #success} clears the account's failures (its owner just proved the password) but not the
 * source's: an attacker holding one valid account could otherwise reset its source counter between
 * guesses at other accounts.
 *
 * <p>Lockouts are short (default 60 s) on purpose: anyone can lock a known account out by guessing
 * wrong, so a lockout must stay a nuisance, not a denial of service; 10 guesses a minute make a
 * dictionary attack on one account useless.
 *
 * <p>Memory is bounded: a key is dropped once its window has passed and it is not locked out (lazy
 * sweep), and each scope tracks at most {@code maxTrackedKeys} keys; beyond that the least recently
 * failing unlocked keys are forgotten first, so a flood of random usernames can neither exhaust
 * memory nor push out an ongoing lockout. Keys longer than 128 characters are stored hashed.
 * Thread-safe: a concurrent map plus a lock per key; the sweep runs on one thread at a time and
 * nobody waits for it. Counting is best effort at the edges (a failure racing with the sweep of
 * its key can be lost), which is fine for a rate limiter.
 */
public final class AuthThrottle {
    public static final int DEFAULT_MAX_TRACKED_KEYS = 50_000;
    private static final int MAX_KEY_LENGTH = 128;

    public enum Scope {
        ACCOUNT,
        SOURCE
    }

    /**
     * @param perAccount failures of one account tolerated within {@code window}
     * @param perSource  failures from one source IP tolerated within {@code window}; higher, because
     *                   many phones share an office NAT address
     */
    public record Limits(int perAccount, int perSource, Duration window, Duration lockout) {
        public static final Limits DEFAULT = new Limits(10, 30, Duration.ofSeconds(60), Duration.ofSeconds(60));

        public Limits {
            if (perAccount < 1 || perSource < 1) {
                throw new IllegalArgumentException("limits must be positive");
            }
            Objects.requireNonNull(window, "window");
            Objects.requireNonNull(lockout, "lockout");
            if (window.toMillis() < 1 || lockout.toMillis() < 1) {
                throw new IllegalArgumentException("window and lockout must be positive");
            }
        }
    }

    public enum Outcome {
        ALLOWED,
        BLOCKED_ACCOUNT,
        BLOCKED_SOURCE
    }

    /**
     * @param retryAfterSeconds when blocked, seconds until the lockout ends (at least 1), suitable
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
    private final Tracker accounts;
    private final Tracker sources;

    public AuthThrottle() {
        this(Limits.DEFAULT);
    }

    public AuthThrottle(Limits limits) {
        this(limits, DEFAULT_MAX_TRACKED_KEYS, AuthEvents.NONE);
    }

    /** @param maxTrackedKeys cap on keys remembered per scope (accounts, sources) */
    public AuthThrottle(Limits limits, int maxTrackedKeys, AuthEvents events) {
        this.limits = Objects.requireNonNull(limits, "limits");
        if (maxTrackedKeys < 4) {
            throw new IllegalArgumentException("maxTrackedKeys too small");
        }
        this.maxTrackedKeys = maxTrackedKeys;
        this.events = Objects.requireNonNull(events, "events");
        this.accounts = new Tracker(Scope.ACCOUNT, limits.perAccount());
        this.sources = new Tracker(Scope.SOURCE, limits.perSource());
    }

    public Limits limits() {
        return limits;
    }

    /** Whether a request claiming {@code accountKey} from {@code sourceIp} may be verified now. */
    public Decision check(String accountKey, String sourceIp, Instant now) {
        long nowMillis = now.toEpochMilli();
        long sourceUntil = sources.blockedUntil(sourceIp, nowMillis);
        if (sourceUntil > nowMillis) {
            events.blocked(Scope.SOURCE);
            return new Decision(Outcome.BLOCKED_SOURCE, retryAfter(sourceUntil, nowMillis));
        }
        long accountUntil = accounts.blockedUntil(accountKey, nowMillis);
        if (accountUntil > nowMillis) {
            events.blocked(Scope.ACCOUNT);
            return new Decision(Outcome.BLOCKED_ACCOUNT, retryAfter(accountUntil, nowMillis));
        }
        return Decision.ALLOWED;
    }

    /** Records a failed authentication (wrong password, unknown user, forged nonce, replay...). */
    public void failure(String accountKey, String sourceIp, Instant now) {
        long nowMillis = now.toEpochMilli();
        accounts.failure(accountKey, nowMillis);
        sources.failure(sourceIp, nowMillis);
    }

    /** Records a successful authentication: clears the account's failures, not the source's. */
    public void success(String accountKey, String sourceIp) {
        accounts.clear(accountKey);
    }

    /** Keys currently remembered in a scope (for a gauge). */
    public int trackedKeys(Scope scope) {
        return (scope == Scope.ACCOUNT ? accounts : sources).counters.size();
    }

    private static long retryAfter(long untilMillis, long nowMillis) {
        return Math.max(1, (untilMillis - nowMillis + 999) / 1000);
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

        long blockedUntil(String key, long now) {
            Counter c = counters.get(normalize(key));
            return c == null ? 0 : c.blockedUntil();
        }

        void failure(String key, long now) {
            Counter c = counters.computeIfAbsent(normalize(key), k -> new Counter(limit));
            if (c.failure(now, limits.window().toMillis(), limits.lockout().toMillis())) {
                events.lockout(scope);
            }
            maybeSweep(now);
        }

        void clear(String key) {
            counters.remove(normalize(key));
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
                    evict(now, excess);
                }
            } finally {
                sweeping.set(false);
            }
        }

        /** Forgets {@code n} keys: unlocked before locked, least recently failing first. */
        private void evict(long now, int n) {
            record Victim(String key, boolean locked, long lastFailure) {}
            List<Victim> all = new ArrayList<>(counters.size());
            counters.forEach((k, c) -> all.add(new Victim(k, c.blockedUntil() > now, c.lastFailure())));
            all.sort(Comparator.comparing(Victim::locked).thenComparingLong(Victim::lastFailure));
            for (int i = 0; i < n && i < all.size(); i++) {
                counters.remove(all.get(i).key());
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
