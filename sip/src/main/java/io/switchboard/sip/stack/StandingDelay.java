package io.switchboard.sip.stack;

/**
 * Whether a queue has a standing backlog, from how long what leaves it waited: the smallest wait
 * seen over a window ({@code interval}). A burst (a GC pause, a hundred phones at once) makes some
 * messages wait but drains, and the window's minimum stays near zero; only a queue that no
 * longer empties (arrivals above what the workers can do) keeps every message of a window waiting.
 * That is CoDel's signal (Nichols and Jacobson, "Controlling Queue Delay", ACM Queue 10(5), 2012),
 * used here to tell overload from a burst before shedding new work.
 *
 * <p>Thread-safe: the UDP workers report what they take off the queue; readers get the minimum of
 * the last complete window. A window with nothing taken (an idle node) ends with no backlog.
 * Pure: the caller passes the clock.
 */
public final class StandingDelay {
    private final long intervalMillis;
    private volatile long windowStart = Long.MIN_VALUE;
    private long windowMin = Long.MAX_VALUE;
    private volatile long standing;

    /** @param intervalMillis the window: a backlog counts once every message of a whole window waited */
    public StandingDelay(long intervalMillis) {
        if (intervalMillis < 1) {
            throw new IllegalArgumentException("interval must be at least 1 ms, was " + intervalMillis);
        }
        this.intervalMillis = intervalMillis;
    }

    /**
     * One message left the queue at {@code nowMillis} after waiting {@code waitedMillis}.
     *
     * @return the backlog's wait as of now ({@link #standingMillis})
     */
    public synchronized long observe(long nowMillis, long waitedMillis) {
        long waited = Math.max(0, waitedMillis);
        if (windowStart == Long.MIN_VALUE) {
            windowStart = nowMillis;
        }
        long age = nowMillis - windowStart;
        if (age >= intervalMillis) {
            // a window that ended more than one interval ago saw a pause in arrivals: the queue was
            // empty then, so no backlog stands, whatever it had
            standing = age >= 2 * intervalMillis || windowMin == Long.MAX_VALUE ? 0 : windowMin;
            windowStart = nowMillis;
            windowMin = Long.MAX_VALUE;
        }
        windowMin = Math.min(windowMin, waited);
        return standing;
    }

    /**
     * The backlog's wait: the smallest wait of the last complete window, 0 when the queue emptied
     * in it. A reader at {@code nowMillis} long after the last message sees 0 (nothing is waiting).
     */
    public long standingMillis(long nowMillis) {
        long start = windowStart;
        if (start != Long.MIN_VALUE && nowMillis - start >= 2 * intervalMillis) {
            return 0;
        }
        return standing;
    }
}
