package io.switchboard.entity;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How much longer an asker waits for its answer: a deadline on this JVM's monotonic clock
 * ({@link System#nanoTime()}), never on a wall clock. It crosses nodes as the time left when it is
 * serialized (pool-node's {@code KryoRegistrations}: the nanoseconds left, measured on the
 * sender's monotonic clock), and the receiving node sets it again on its own monotonic clock as it
 * reads the message. So no node ever compares its clock with another node's (docs/architecture.md,
 * rule 10), however far apart their wall clocks are, and the time a command waited on either node
 * (in a shard region's buffer while its entity moved, in the entity's queue) counts against it.
 * Only the time on the wire is not counted; {@link AskBudget}'s margin covers it.
 *
 * <p>It replaces the instants of the older messages ({@link EntityCommand#answerBy()}), which the
 * entity compared with its own wall clock, so that a skew of more than the margin between the
 * asker's node and the entity's either refused work a client still waited for or did work nobody
 * waited for any more.
 */
public final class TimeLeft {

    private static final LongSupplier SYSTEM = System::nanoTime;

    /** When the asker stops waiting, on {@link #ticker}'s scale. */
    private final long deadlineNanos;

    private final LongSupplier ticker;

    private TimeLeft(long deadlineNanos, LongSupplier ticker) {
        this.deadlineNanos = deadlineNanos;
        this.ticker = ticker;
    }

    /** {@code left} from now, on this JVM's monotonic clock. */
    public static TimeLeft of(Duration left) {
        return ofNanos(saturatedNanos(left), SYSTEM);
    }

    /** {@code nanosLeft} from now (negative: already over), on this JVM's monotonic clock: a message read off the wire. */
    public static TimeLeft ofNanos(long nanosLeft) {
        return ofNanos(nanosLeft, SYSTEM);
    }

    /** {@code left} from now on {@code ticker} (a monotonic nanosecond count): for tests that fix the time. */
    public static TimeLeft of(Duration left, LongSupplier ticker) {
        return ofNanos(saturatedNanos(left), ticker);
    }

    private static TimeLeft ofNanos(long nanosLeft, LongSupplier ticker) {
        return new TimeLeft(ticker.getAsLong() + nanosLeft, ticker);
    }

    /** The nanoseconds left now; negative once the asker stopped waiting. */
    public long nanosLeft() {
        return deadlineNanos - ticker.getAsLong();
    }

    /** The time left now; negative once the asker stopped waiting. */
    public Duration left() {
        return Duration.ofNanos(nanosLeft());
    }

    /** Whether the asker has stopped waiting: a command handled now would answer nobody. */
    public boolean isOver() {
        return nanosLeft() < 0;
    }

    /** Durations beyond ~292 years do not fit a long of nanoseconds; nobody waits that long anyway. */
    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeLeft t && t.deadlineNanos == deadlineNanos && t.ticker == ticker;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(deadlineNanos);
    }

    @Override
    public String toString() {
        return "TimeLeft[" + left() + "]";
    }
}
