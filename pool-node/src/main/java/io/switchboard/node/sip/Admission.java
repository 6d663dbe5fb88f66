package io.switchboard.node.sip;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admission control at the SIP edge (issue 17, item 3; docs/architecture.md, rule 11): at most
 * {@code max} REGISTERs of this node wait for their registrar entity at once. Beyond it a new
 * REGISTER is answered {@code 503} with {@code Retry-After} at once, before any entity ask or
 * Cassandra write, so an overloaded node keeps serving what it admitted at its normal latency
 * instead of letting every request queue into its ask timeout (which is how goodput collapses
 * into retransmission storms). Retransmissions of an admitted request never get here: JAIN-SIP
 * matches them to their server transaction and absorbs them, so they are never shed. Lock-free;
 * any thread.
 */
public final class Admission {

    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** @param max REGISTERs in flight at once; 0 = no bound */
    public Admission(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, was " + max);
        }
        this.max = max;
    }

    /** No bound (tests and tools that build a front end without a node). */
    public static Admission unbounded() {
        return new Admission(0);
    }

    /** Whether a new REGISTER would be refused now: a cheap look before any work (digest hashing). */
    public boolean full() {
        return max > 0 && inFlight.get() >= max;
    }

    /** Takes a place for one REGISTER; false when all are taken. Each true is matched by one {@link #release()}. */
    public boolean tryAcquire() {
        if (max == 0) {
            inFlight.incrementAndGet();
            return true;
        }
        while (true) {
            int n = inFlight.get();
            if (n >= max) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void release() {
        inFlight.decrementAndGet();
    }

    /** REGISTERs admitted and not answered yet. */
    public int inFlight() {
        return inFlight.get();
    }
}
