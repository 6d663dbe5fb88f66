package io.switchboard.presence.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * When the next NOTIFY of a subscription dialog may go, and with which CSeq. Pure: the watcher's
 * entity asks it each time something changed in a dialog, and does what the step says.
 *
 * <ul>
 *   <li>At most one NOTIFY per dialog is in flight, and at most one per coalescing interval
 *       (presence storms: changes arriving meanwhile are merged into the next NOTIFY).</li>
 *   <li>A new dialog waits for the first view of each of its resources (bounded by the entity's
 *       initial wait) so its first NOTIFY is complete.</li>
 *   <li><b>CSeq ceilings</b>: every CSeq used is at or below the dialog's stored ceiling. Before a
 *       NOTIFY would pass it, a new ceiling one block higher is stored; a node that takes the dialog
 *       over starts above the stored ceiling ({@link #resumeCseq}), so CSeq keeps rising across node
 *       loss (RFC 3261 section 12.2.1.1) without a write per NOTIFY.</li>
 * </ul>
 */
public final class DialogPlan {

    /** What to do next in a dialog. */
    public sealed interface Step permits Nothing, WaitUntil, ReserveCseqs, Send {}

    /** Nothing to send now: no change, a NOTIFY in flight, or first views still awaited. */
    public record Nothing() implements Step {}

    /** A change is pending but the coalescing interval has not passed: look again at {@code at}. */
    public record WaitUntil(Instant at) implements Step {}

    /** Store {@code ceiling} as the dialog's CSeq ceiling first, then look again. */
    public record ReserveCseqs(long ceiling) implements Step {}

    /** Send a NOTIFY with CSeq {@code cseq} now. */
    public record Send(long cseq) implements Step {}

    private static final Nothing NOTHING = new Nothing();

    private DialogPlan() {}

    /**
     * @param inFlight      a NOTIFY of this dialog awaits its response
     * @param awaiting      first views are still awaited
     * @param pending       something changed since the last NOTIFY (or full state is due)
     * @param lastSentAt    when the last NOTIFY went
     * @param cseq          the last CSeq used
     * @param ceiling       the stored CSeq ceiling
     * @param coalesce      the minimum interval between two NOTIFYs of the dialog
     * @param block         how many CSeqs one reservation covers
     */
    public static Step next(
            boolean inFlight,
            boolean awaiting,
            boolean pending,
            Instant lastSentAt,
            long cseq,
            long ceiling,
            Instant now,
            Duration coalesce,
            long block) {
        if (inFlight || awaiting || !pending) {
            return NOTHING;
        }
        Instant allowed = lastSentAt.plus(coalesce);
        if (now.isBefore(allowed)) {
            return new WaitUntil(allowed);
        }
        if (cseq + 1 > ceiling) {
            return new ReserveCseqs(cseq + block);
        }
        return new Send(cseq + 1);
    }

    /** The first wait before a NOTIFY that did not arrive is sent again ({@link #retryAfterFailure}). */
    public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    /** The longest wait between two tries. */
    public static final Duration LAST_RETRY = Duration.ofSeconds(64);

    /**
     * How long to wait before sending the dialog's state again after {@code failures} NOTIFYs in a
     * row did not arrive (not sent, or a response that keeps the subscription, such as 408, 500 or
     * 503: RFC 5057 section 5.1). Without a new try the watcher would show the old state until the
     * next change, which may never come (a user who went offline stays offline); doubling from
     * {@link #FIRST_RETRY} up to {@link #LAST_RETRY} keeps a subscriber that keeps failing from
     * costing more than one NOTIFY a minute.
     */
    public static Duration retryAfterFailure(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be at least 1, was " + failures);
        }
        int doublings = Math.min(failures - 1, 6);
        Duration wait = FIRST_RETRY.multipliedBy(1L << doublings);
        return wait.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : wait;
    }

    /** The ceiling stored with a new dialog: its first block of CSeqs. */
    public static long firstCeiling(long block) {
        return block;
    }

    /**
     * The last CSeq "used" by a dialog this node loads from the store: the stored ceiling, since
     * the node that held it may have used any CSeq up to it.
     */
    public static long resumeCseq(Subscription stored) {
        return stored.cseqCeiling();
    }
}
