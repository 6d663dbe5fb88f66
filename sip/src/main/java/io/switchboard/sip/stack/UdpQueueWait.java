package io.switchboard.sip.stack;

import gov.nist.javax.sip.stack.DatagramQueuedMessageDispatch;
import java.net.DatagramPacket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * How long the UDP request a stack worker is handling waited between the socket and that worker,
 * and whether its queue has a standing backlog ({@link StandingDelay}), for the listener's
 * admission decision (overload: shed new work before it costs a lookup, issue 17 item 3).
 *
 * <p>The RI's UDP workers take a datagram off the listening point's queue and parse it, and with
 * {@code REENTRANT_LISTENER} hand the request to the listener on the same thread, so what the
 * queue stamps on the taking thread is what {@code processRequest} reads. Requests that did not come
 * through a UDP queue (TCP, TLS, anything on another thread) read {@link #NONE}.
 */
public final class UdpQueueWait {
    /** What {@link #waitedMillis()} says on a thread that took nothing off a UDP queue. */
    public static final long NONE = -1;

    /** [0]: the taken datagram's wait, [1]: its queue's standing wait then. No allocation per datagram. */
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[] {NONE, 0});

    private UdpQueueWait() {}

    /** Milliseconds the datagram this thread is handling waited in its UDP queue, or {@link #NONE}. */
    public static long waitedMillis() {
        return CURRENT.get()[0];
    }

    /** The standing wait of that datagram's queue when it was taken (0: no backlog, or not from UDP). */
    public static long standingMillis() {
        return CURRENT.get()[1];
    }

    /**
     * A received datagram for {@link #queue}: carries the monotonic time it was queued at (the RI's
     * reception time is the wall clock, which can step), and the wall-clock one the RI's 8-second
     * congestion auditor reads.
     */
    public static DatagramQueuedMessageDispatch queued(DatagramPacket packet) {
        return new Queued(packet);
    }

    private static final class Queued extends DatagramQueuedMessageDispatch {
        final long queuedNanos = System.nanoTime();

        Queued(DatagramPacket packet) {
            super(packet, System.currentTimeMillis());
        }
    }

    /** The queue a UDP listening point's workers take from, stamping each taken datagram's wait. */
    public static BlockingQueue<DatagramQueuedMessageDispatch> queue(StandingDelay delay) {
        return new StampingQueue(delay);
    }

    /** Records what a worker takes; the rest is {@link LinkedBlockingQueue} (unbounded, as the RI's). */
    private static final class StampingQueue extends LinkedBlockingQueue<DatagramQueuedMessageDispatch> {
        private static final long serialVersionUID = 1L;
        private final transient StandingDelay delay;

        StampingQueue(StandingDelay delay) {
            this.delay = delay;
        }

        @Override
        public DatagramQueuedMessageDispatch take() throws InterruptedException {
            return stamped(super.take());
        }

        @Override
        public DatagramQueuedMessageDispatch poll(long timeout, TimeUnit unit) throws InterruptedException {
            return stamped(super.poll(timeout, unit));
        }

        private DatagramQueuedMessageDispatch stamped(DatagramQueuedMessageDispatch taken) {
            if (taken instanceof Queued q) {
                long now = System.nanoTime();
                long waited = Math.max(0, (now - q.queuedNanos) / 1_000_000);
                long[] current = CURRENT.get();
                current[0] = waited;
                // a take that leaves the queue empty shows no backlog, however long that datagram
                // waited (CoDel's rule: a queue holding less than one packet is "good"): a lone
                // datagram held up by a GC pause or a busy CPU on a quiet node must not make the next
                // one look like overload and be shed
                current[1] = delay.observe(now / 1_000_000, isEmpty() ? 0 : waited);
            }
            return taken;
        }
    }
}
