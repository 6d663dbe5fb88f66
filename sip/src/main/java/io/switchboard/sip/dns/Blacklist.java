package io.switchboard.sip.dns;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Targets that recently failed (a transaction timeout, a transport error, or a 503) and are not
 * tried again for a while, so that every request does not pay the failed target's timeout first
 * (RFC 3263 section 4.3 lets a client remember failures). Time is passed in.
 *
 * <p>A 503's Retry-After (RFC 3261 section 21.5.4) replaces the configured time, within
 * {@link #MIN} and {@link #MAX}: a server that says "back in 5 s" is tried after 5 s, one that
 * asks for an hour is not left out for longer than {@link #MAX}, since the other targets may
 * have failed by then too.
 */
public final class Blacklist {

    static final Duration MIN = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofMinutes(5);

    private final Duration time;
    private final Map<String, Instant> until = new ConcurrentHashMap<>();

    /** @param time how long a failed target is skipped when it gave no Retry-After; zero disables the list */
    public Blacklist(Duration time) {
        if (time.isNegative()) {
            throw new IllegalArgumentException("negative blacklist time");
        }
        this.time = time;
    }

    /**
     * Records that {@code target} failed.
     *
     * @param retryAfter the Retry-After of its 503, or null
     */
    public void failed(SipTarget target, Duration retryAfter, Instant now) {
        if (time.isZero()) {
            return;
        }
        Duration d = retryAfter == null ? time : clamp(retryAfter);
        until.merge(target.key(), now.plus(d), (a, b) -> a.isAfter(b) ? a : b);
        if (until.size() > 1024) {
            until.values().removeIf(u -> !u.isAfter(now));
        }
    }

    /** Forgets a failure: the target answered. */
    public void succeeded(SipTarget target) {
        until.remove(target.key());
    }

    public boolean blocked(SipTarget target, Instant now) {
        Instant u = until.get(target.key());
        return u != null && u.isAfter(now);
    }

    /**
     * {@code ordered} without the blocked targets. When every target is blocked, all of them in
     * their order: a request still gets its chance rather than failing without trying.
     */
    public List<SipTarget> filter(List<SipTarget> ordered, Instant now) {
        List<SipTarget> out = new ArrayList<>(ordered.size());
        for (SipTarget t : ordered) {
            if (!blocked(t, now)) {
                out.add(t);
            }
        }
        return out.isEmpty() ? ordered : out;
    }

    static Duration clamp(Duration d) {
        return d.compareTo(MIN) < 0 ? MIN : d.compareTo(MAX) > 0 ? MAX : d;
    }
}
