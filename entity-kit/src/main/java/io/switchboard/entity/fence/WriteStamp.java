package io.switchboard.entity.fence;

import com.datastax.oss.driver.api.core.cql.Statement;

/**
 * The write timestamp an entity gives one store write (CQL {@code USING TIMESTAMP}, set with
 * {@link Statement#setQueryTimestamp}). A fenced entity's stamps are {@code 2^52 + epoch * 2^24 +
 * n} for its n-th write since it claimed {@code epoch}: every stamp of a later owner is above every
 * stamp of an earlier one, and each owner's own writes are ordered as it made them. The 2^52 base
 * lies above any wall-clock timestamp in microseconds until the year 2112, so fenced writes also
 * win over rows written before fencing existed (and a rollback to a release without fencing would
 * lose its writes to them: never roll back across this change).
 *
 * @param micros the timestamp, or {@link Long#MIN_VALUE} for "the driver's own clock" ({@link #UNFENCED})
 */
public record WriteStamp(long micros) {

    /** No fencing: the driver's timestamp generator decides, as for any write outside an entity. */
    public static final WriteStamp UNFENCED = new WriteStamp(Long.MIN_VALUE);

    static final long BASE = 1L << 52;
    static final int SEQUENCE_BITS = 24;
    /** The highest epoch whose stamps still fit below {@link Long#MAX_VALUE}. */
    static final long MAX_EPOCH = (Long.MAX_VALUE - BASE) >> SEQUENCE_BITS;

    /** The first stamp of an owner that claimed {@code epoch}. */
    public static long first(long epoch) {
        if (epoch < 1 || epoch >= MAX_EPOCH) {
            throw new IllegalArgumentException("owner epoch out of range: " + epoch);
        }
        return BASE + (epoch << SEQUENCE_BITS);
    }

    /** The owner epoch a stamp of {@link #first}'s series belongs to. */
    public static long epochOf(long stamp) {
        return (stamp - BASE) >> SEQUENCE_BITS;
    }

    /**
     * Whether {@code stamp} is the last of its epoch, which is never used: one more would belong to
     * the next epoch, so an owner has 2^24 - 1 writes per claim.
     */
    public static boolean lastOfEpoch(long stamp) {
        long mask = (1L << SEQUENCE_BITS) - 1;
        return ((stamp - BASE) & mask) == mask;
    }

    public boolean fenced() {
        return micros != Long.MIN_VALUE;
    }

    /** {@code statement} with this stamp as its write timestamp (unchanged when unfenced). */
    public <S extends Statement<S>> S on(S statement) {
        return fenced() ? statement.setQueryTimestamp(micros) : statement;
    }
}
