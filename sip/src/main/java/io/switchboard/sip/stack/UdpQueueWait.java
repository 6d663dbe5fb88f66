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
        return new StampingQueue(delay, (packet, standing) -> false);
    }

    /** What a worker does with a datagram it took before the SIP stack parses it. */
    public interface Screen {
        /**
         * @param standingMillis its queue's standing wait as the datagram was taken
         * @return true when the datagram was answered here, and the worker goes on to the next
         */
        boolean answered(DatagramPacket packet, long standingMillis);
    }

    /**
     * {@link #queue(StandingDelay)}, with each taken datagram shown to {@code screen} first: one it
     * answers is never handed to the worker ({@link EarlyRefusal}).
     */
    public static BlockingQueue<DatagramQueuedMessageDispatch> queue(StandingDelay delay, Screen screen) {
        return new StampingQueue(delay, screen);
    }

    /** Records what a worker takes; the rest is {@link LinkedBlockingQueue} (unbounded, as the RI's). */
    private static final class StampingQueue extends LinkedBlockingQueue<DatagramQueuedMessageDispatch> {
        private static final long serialVersionUID = 1L;
        private final transient StandingDelay delay;
        private final transient Screen screen;

        StampingQueue(StandingDelay delay, Screen screen) {
            this.delay = delay;
            this.screen = screen;
        }

        @Override
        public DatagramQueuedMessageDispatch take() throws InterruptedException {
            while (true) {
                DatagramQueuedMessageDispatch taken = stamped(super.take());
                if (!screened(taken)) {
                    return taken;
                }
            }
        }

        /** The RI's worker takes another after a null (the ping interval of its thread auditor). */
        @Override
        public DatagramQueuedMessageDispatch poll(long timeout, TimeUnit unit) throws InterruptedException {
            DatagramQueuedMessageDispatch taken = stamped(super.poll(timeout, unit));
            return screened(taken) ? null : taken;
        }

        /** Whether the screen answered what was just taken (its stamp is this thread's). */
        private boolean screened(DatagramQueuedMessageDispatch taken) {
            return taken != null && screen.answered(taken.packet, CURRENT.get()[1]);
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
