package io.switchboard.presence.entity;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A presentity's watchers and the delivery of its versions to them: until when each watches,
 * which version it has acknowledged, when a change goes out (at most one fan-out per coalescing
 * interval) and when views not yet acknowledged are sent again. Kept apart from {@link
 * PresentityBehavior}, which aggregates the sources into views: this class knows only versions
 * and whom to send them to, never what a view says, so the fan-out's timing can be read (and
 * tested) on its own.
 */
final class WatcherFanout {

    /** Sends the current version, rendered for that watcher, to {@code watcher}. */
    interface Sender {
        void send(String watcher);
    }

    /** Per watcher: until when it watches, which version it has acknowledged, when it was last sent one. */
    private static final class WatcherState {
        Instant expiresAt;
        long acked;
        Instant sentAt = Instant.EPOCH;

        WatcherState(Instant expiresAt) {
            this.expiresAt = expiresAt;
        }
    }

    private final Duration coalesce;
    private final Duration retry;
    private final Map<String, WatcherState> watchers = new HashMap<>();
    private Instant lastFanout = Instant.EPOCH;
    /** When the coalesced fan-out of a pending change is due, or null. */
    private Instant fanoutDue;
    /** When views not yet acknowledged are sent again, or null. */
    private Instant retryDue;

    WatcherFanout(Duration coalesce, Duration retry) {
        this.coalesce = coalesce;
        this.retry = retry;
    }

    int size() {
        return watchers.size();
    }

    boolean isEmpty() {
        return watchers.isEmpty();
    }

    boolean contains(String watcher) {
        return watchers.containsKey(watcher);
    }

    /** True when {@code watcher} is already stored as watching until {@code expiresAt} or later. */
    boolean watchesUntil(String watcher, Instant expiresAt) {
        WatcherState w = watchers.get(watcher);
        return w != null && !expiresAt.isAfter(w.expiresAt);
    }

    /** Adds the watcher or extends its watch (stored first by the caller). */
    void watch(String watcher, Instant expiresAt) {
        watchers.computeIfAbsent(watcher, k -> new WatcherState(expiresAt)).expiresAt = expiresAt;
    }

    /** @return whether the watcher was there */
    boolean remove(String watcher) {
        return watchers.remove(watcher) != null;
    }

    /** The watcher has {@code version} (it acknowledged it, or it was in the answer to its watch). */
    void acked(String watcher, long version) {
        WatcherState w = watchers.get(watcher);
        if (w != null && version > w.acked) {
            w.acked = version;
        }
    }

    void removeExpired(Instant now) {
        watchers.values().removeIf(w -> !w.expiresAt.isAfter(now));
    }

    /** The earliest expiry of a watcher, or null. */
    Instant earliestExpiry() {
        Instant earliest = null;
        for (WatcherState w : watchers.values()) {
            earliest = earliest(earliest, w.expiresAt);
        }
        return earliest;
    }

    /** True when every watcher has acknowledged {@code version}. */
    boolean allAcked(long version) {
        for (WatcherState w : watchers.values()) {
            if (w.acked < version) {
                return false;
            }
        }
        return true;
    }

    /**
     * A new version exists: true when it may go out now (a coalescing interval has passed since
     * the last fan-out); otherwise the fan-out is scheduled for the end of that interval.
     */
    boolean fanoutNow(Instant now) {
        if (Duration.between(lastFanout, now).compareTo(coalesce) >= 0) {
            return true;
        }
        if (fanoutDue == null) {
            fanoutDue = lastFanout.plus(coalesce);
        }
        return false;
    }

    /** Sends {@code version} to every watcher that has not acknowledged it ({@code all}: to every watcher). */
    void fanout(boolean all, long version, Instant now, Sender sender) {
        fanoutDue = null;
        lastFanout = now;
        for (Map.Entry<String, WatcherState> e : watchers.entrySet()) {
            WatcherState w = e.getValue();
            if (!w.expiresAt.isAfter(now)) {
                continue; // expired, removed at the entity's next deadline: it is not told anything more
            }
            if (all || w.acked < version) {
                w.sentAt = now;
                sender.send(e.getKey());
            }
        }
        armRetry(version, now);
    }

    /** True when the scheduled fan-out is due at {@code now}. */
    boolean fanoutDue(Instant now) {
        return fanoutDue != null && !fanoutDue.isAfter(now);
    }

    /** At the retry deadline: sends {@code version} again to the watchers that have not acknowledged it for a retry interval. */
    void onRetryDeadline(long version, Instant now, Sender sender) {
        if (retryDue == null || retryDue.isAfter(now)) {
            return;
        }
        retryDue = null;
        for (Map.Entry<String, WatcherState> e : watchers.entrySet()) {
            WatcherState w = e.getValue();
            if (w.expiresAt.isAfter(now)
                    && w.acked < version
                    && Duration.between(w.sentAt, now).compareTo(retry) >= 0) {
                w.sentAt = now;
                sender.send(e.getKey());
            }
        }
        armRetry(version, now);
    }

    /** The next fan-out or retry, or null. */
    Instant nextDeadline() {
        return earliest(fanoutDue, retryDue);
    }

    private void armRetry(long version, Instant now) {
        if (retryDue == null && !allAcked(version)) {
            retryDue = now.plus(retry);
        }
    }

    static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }
}
