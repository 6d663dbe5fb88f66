package io.switchboard.node.sip;

import io.switchboard.node.routing.AdmissionRules;
import io.switchboard.node.routing.WorkClass;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Admission control at the SIP edge (issue 17, item 3; docs/architecture.md, rule 11): at most a
 * bound of requests of each {@link WorkClass} are in flight on this node at once, from the moment
 * the edge takes one until it has been answered or sent on. Beyond it a new one is answered
 * {@code 503} with {@code Retry-After} at once, before any account lookup, entity ask or Cassandra
 * read, so an overloaded node keeps serving what it admitted at its normal latency instead of
 * letting every request queue into its ask timeout (which is how goodput collapses into
 * retransmission storms). What may be shed is {@link AdmissionRules}' decision. Lock-free; any
 * thread.
 */
public final class Admission {

    private final Map<WorkClass, Integer> bounds;
    private final Map<WorkClass, AtomicInteger> inFlight = new EnumMap<>(WorkClass.class);
    private final AdmissionRules.LoadLimits load;

    /** @param bounds per class, 0 or missing = no bound; no shedding for the stack's backlog */
    public Admission(Map<WorkClass, Integer> bounds) {
        this(bounds, AdmissionRules.LoadLimits.OFF);
    }

    /**
     * @param bounds per class, 0 or missing = no bound
     * @param load where new work is shed for the SIP stack's load ({@link AdmissionRules#decide(WorkClass,
     *     AdmissionRules.Load, boolean, AdmissionRules.LoadLimits)})
     */
    public Admission(Map<WorkClass, Integer> bounds, AdmissionRules.LoadLimits load) {
        this.load = load;
        Map<WorkClass, Integer> b = new EnumMap<>(WorkClass.class);
        for (WorkClass c : WorkClass.values()) {
            int n = bounds.getOrDefault(c, 0);
            if (n < 0) {
                throw new IllegalArgumentException(c.key() + " must not be negative, was " + n);
            }
            b.put(c, n);
            inFlight.put(c, new AtomicInteger());
        }
        this.bounds = b;
    }

    /** No bound (tests and tools that build a front end without a node). */
    public static Admission unbounded() {
        return new Admission(Map.of());
    }

    /**
     * Takes a place for one request of {@code workClass}: a ticket to {@link Ticket#release()} once
     * it has been answered or sent on, or null when the class is full.
     */
    public Ticket tryAcquire(WorkClass workClass) {
        AtomicInteger n = inFlight.get(workClass);
        int bound = bounds.get(workClass);
        while (true) {
            int now = n.get();
            if (!(AdmissionRules.decide(workClass, now, bound) instanceof AdmissionRules.Admit)) {
                return null;
            }
            if (n.compareAndSet(now, now + 1)) {
                return new Ticket(n);
            }
        }
    }

    /**
     * The reason label to shed a request of {@code workClass} for the SIP stack's load, or null to go
     * on to its bound ({@link #tryAcquire}).
     *
     * @param credentials whether it carries credentials worth a second leg's priority; asked only
     *     when the request would be shed without them (the limits with credentials are never the
     *     lower ones, {@link AdmissionRules.LoadLimits}), so a node that is not overloaded checks none
     */
    public String shedForLoad(WorkClass workClass, AdmissionRules.Load now, BooleanSupplier credentials) {
        AdmissionRules.Verdict verdict = AdmissionRules.decide(workClass, now, false, load);
        if (verdict instanceof AdmissionRules.Shed && credentials.getAsBoolean()) {
            verdict = AdmissionRules.decide(workClass, now, true, load);
        }
        return verdict instanceof AdmissionRules.Shed shed ? shed.reason() : null;
    }

    /** The standing wait from which new work without credentials is shed (0: off). */
    public long queueWaitMillis() {
        return load.queueWaitMillis();
    }

    /** Requests of {@code workClass} admitted and not yet answered or sent on. */
    public int inFlight(WorkClass workClass) {
        return inFlight.get(workClass).get();
    }

    public int bound(WorkClass workClass) {
        return bounds.get(workClass);
    }

    /** One admitted request's place; released once, however many paths try (a late callback, a backstop). */
    public static final class Ticket {
        private final AtomicInteger counter;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ticket(AtomicInteger counter) {
            this.counter = counter;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                counter.decrementAndGet();
            }
        }
    }
}
