package io.switchboard.sip.trust;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Work a stranger may cause, per source address (new presence dialogs; the conferencing focus's
 * store reads for dialogs it does not hold): a token bucket per address ({@code perSecond} tokens a
 * second, at most {@code burst} saved up), held in memory by each node for itself. A pool of N
 * nodes therefore lets one source start up to N times the rate when its requests are spread over
 * all nodes; that is what the cap is for (one source cannot make one node create dialogs and send
 * NOTIFYs without bound), not an exact pool-wide quota.
 *
 * <p>Bounded: at most {@code maxSources} addresses are tracked; the one unused longest is forgotten
 * first (it comes back with a full bucket, which only an attacker with that many real addresses
 * could exploit, and each of those addresses is still limited). Time is passed in (nanoseconds of
 * a monotonic clock), so the rules are tested without waiting. Thread-safe: the SIP stack's
 * threads call it, each holding the lock only for a few arithmetic operations.
 */
public final class SourceRate {

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final double perNano;
    private final int burst;
    private final Map<String, Bucket> buckets;

    public SourceRate(double perSecond, int burst, int maxSources) {
        if (!(perSecond > 0) || burst < 1 || maxSources < 1) {
            throw new IllegalArgumentException("rate, burst and maxSources must be positive");
        }
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.buckets = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxSources;
            }
        };
    }

    /** True (and one token used) when {@code source} may start a new dialog at {@code nowNanos}. */
    public synchronized boolean tryAcquire(String source, long nowNanos) {
        Bucket b = buckets.get(source);
        if (b == null) {
            b = new Bucket(burst, nowNanos);
            buckets.put(source, b);
        } else {
            long elapsed = Math.max(0, nowNanos - b.at);
            b.tokens = Math.min(burst, b.tokens + elapsed * perNano);
            b.at = nowNanos;
        }
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whole seconds until {@code source} has a token again (at least 1): the Retry-After of a refusal. */
    public synchronized long retryAfterSeconds(String source) {
        Bucket b = buckets.get(source);
        double missing = b == null ? 0 : Math.max(0, 1 - b.tokens);
        return Math.max(1, (long) Math.ceil(missing / (perNano * 1e9)));
    }

    /** How many sources are tracked now (bounded by maxSources). */
    public synchronized int tracked() {
        return buckets.size();
    }
}
