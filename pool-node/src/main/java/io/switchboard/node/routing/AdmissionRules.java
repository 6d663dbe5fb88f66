package io.switchboard.node.routing;

/**
 * Which requests the SIP edge may shed, and when (issue 17, item 3; docs/architecture.md, rule 11).
 * Pure: the edge passes what it read from the request and its counters.
 *
 * <p>Only new work is ever shed: a REGISTER, PUBLISH, or an INVITE, MESSAGE or SUBSCRIBE outside
 * any dialog (no To tag, RFC 3261 section 12.1). ACK and CANCEL belong to a transaction already
 * taken (sections 17.2.1, 9.2), BYE, re-INVITEs, SUBSCRIBE refreshes and every other request with
 * a To tag belong to a dialog already established, whose end or change must not fail for load
 * (shedding a BYE would leave a call up that its user hung up). Retransmissions never reach the
 * rules: the stack matches them to their server transaction, which absorbs them (section 17.2).
 */
public final class AdmissionRules {

    private AdmissionRules() {}

    /** What the edge does with a request. */
    public sealed interface Verdict {}

    /** Take it; not counted against any bound. */
    public record Untracked() implements Verdict {}

    /** Take it, counted in flight against {@code workClass} until it has been answered or sent on. */
    public record Admit(WorkClass workClass) implements Verdict {}

    /** Answer 503 with Retry-After at once; {@code reason} is the {@code switchboard_sip_shed_total} label. */
    public record Shed(WorkClass workClass, String reason) implements Verdict {}

    private static final Untracked UNTRACKED = new Untracked();

    /**
     * The class a request counts against, or null when it is never shed.
     *
     * @param method the request's method
     * @param hasToTag whether its To header has a tag: it belongs to a dialog
     */
    public static WorkClass classOf(String method, boolean hasToTag) {
        switch (method) {
            case "REGISTER":
                return WorkClass.REGISTER; // never in a dialog (RFC 3261 section 10.2)
            case "PUBLISH":
                return WorkClass.PUBLISH; // creates no dialog; SIP-If-Match ties it to its state (RFC 3903)
            case "INVITE":
                return hasToTag ? null : WorkClass.INVITE;
            case "MESSAGE":
                return hasToTag ? null : WorkClass.MESSAGE;
            case "SUBSCRIBE":
                return hasToTag ? null : WorkClass.SUBSCRIBE;
            default:
                return null;
        }
    }

    /**
     * Whether a request of {@code workClass} is taken now.
     *
     * @param inFlight requests of that class taken and not yet answered or sent on
     * @param bound    the class's bound; 0 for none
     */
    public static Verdict decide(WorkClass workClass, int inFlight, int bound) {
        if (workClass == null) {
            return UNTRACKED;
        }
        if (bound > 0 && inFlight >= bound) {
            return new Shed(workClass, workClass.shedReason());
        }
        return new Admit(workClass);
    }

    /**
     * What the SIP stack carries now: the standing wait of the UDP queue a request came through
     * ({@code StandingDelay}; 0 for none, or TCP), its server transactions (live ones and
     * answered ones kept to absorb retransmissions, 32 s over UDP, RFC 3261 section 17.2.2), and
     * the heap in use after the last garbage collection, in percent of the maximum ({@code
     * LiveHeap}): what a transaction costs depends on the request (a MESSAGE with its body and its
     * forwarded copy holds several times a REGISTER's), so the count alone does not keep the heap
     * from filling up. {@code draw} is uniform in [0, 1), drawn per request by the caller: the
     * heap's limit sheds a share of new work that grows with the fill ({@link #decide}).
     */
    public record Load(long standingMillis, int serverTransactions, int heapPercent, double draw) {
        /** Without a heap reading (0: not measured). */
        public Load(long standingMillis, int serverTransactions) {
            this(standingMillis, serverTransactions, 0, 0);
        }
    }

    /**
     * Where new work is shed for load. Without credentials: at a standing UDP wait of {@code
     * queueWaitMillis}, or with {@code transactionsNew} server transactions; with credentials
     * (the second leg of a digest exchange, whose challenge was already paid for): only at {@code
     * queueWaitCredentialsMillis}, or {@code transactionsCredentials}. 0: that limit is off.
     */
    public record LoadLimits(
            long queueWaitMillis,
            long queueWaitCredentialsMillis,
            int transactionsNew,
            int transactionsCredentials,
            int heapPercent,
            int heapPercentCredentials) {
        public static final LoadLimits OFF = new LoadLimits(0, 0, 0, 0, 0, 0);

        public LoadLimits {
            if (queueWaitMillis < 0
                    || queueWaitCredentialsMillis < 0
                    || transactionsNew < 0
                    || transactionsCredentials < 0
                    || heapPercent < 0
                    || heapPercentCredentials < 0) {
                throw new IllegalArgumentException("load limits must not be negative");
            }
            if (heapPercent > 100 || heapPercentCredentials > 100) {
                throw new IllegalArgumentException("heap limits are percentages, at most 100");
            }
        }

        /** No heap limits. */
        public LoadLimits(
                long queueWaitMillis,
                long queueWaitCredentialsMillis,
                int transactionsNew,
                int transactionsCredentials) {
            this(queueWaitMillis, queueWaitCredentialsMillis, transactionsNew, transactionsCredentials, 0, 0);
        }

        /** These limits, and new work shed from {@code percent} of the heap in use after a collection (with credentials from {@code percentCredentials}; 0: off). */
        public LoadLimits withHeap(int percent, int percentCredentials) {
            return new LoadLimits(
                    queueWaitMillis,
                    queueWaitCredentialsMillis,
                    transactionsNew,
                    transactionsCredentials,
                    percent,
                    percentCredentials);
        }

        /**
         * The SIP stack's own limit ({@code sip.max-server-transactions}, above which the RI refuses
         * every new request) is approached from below: new work without credentials stops at 80% of
         * it, with credentials at 90%, so the stack's all-or-nothing refusal is never reached by
         * load the node chose to take.
         */
        public static LoadLimits of(long queueWaitMillis, long queueWaitCredentialsMillis, int maxServerTransactions) {
            return new LoadLimits(
                    queueWaitMillis, queueWaitCredentialsMillis, (int) (maxServerTransactions * 0.8), (int)
                            (maxServerTransactions * 0.9));
        }
    }

    /**
     * Whether new work is taken given the SIP stack's load (docs/architecture.md, rule 11).
     *
     * <p>Why load and not only a count in flight: over UDP the requests a node cannot keep up with
     * wait in the stack's queue before any bound sees them, and a request answered after its
     * client's retransmission timer (T1 = 500 ms, RFC 3261 section 17.1.2.2) has cost its work twice.
     * {@link Load#standingMillis} is the wait every request of the last 100 ms had: only a queue
     * that no longer empties has one, never a burst or a GC pause that drains. And every request
     * taken keeps a server transaction for 32 s after its answer (UDP): at a sustained rate above
     * what the stack's transaction limit holds, the RI would refuse every request until old ones
     * expire, a cliff of several seconds; shedding part of the new work before it keeps the node
     * serving at the rate the limit allows.
     *
     * <p>Requests without credentials are shed first: each shed one costs a parse and a stateless
     * 503, and frees the node for the second legs of the flows it already challenged, so the flows
     * it takes complete (a second leg shed would waste its 401). Requests with credentials go on up
     * to their own, higher limits, which hold when they alone exceed capacity (phones that
     * re-register with cached credentials).
     *
     * @param credentials whether the request carries Authorization or Proxy-Authorization
     */
    public static Verdict decide(WorkClass workClass, Load load, boolean credentials, LoadLimits limits) {
        if (workClass == null) {
            return UNTRACKED;
        }
        long wait = credentials ? limits.queueWaitCredentialsMillis() : limits.queueWaitMillis();
        if (wait > 0 && load.standingMillis() >= wait) {
            return new Shed(workClass, workClass.queueWaitReason());
        }
        int transactions = credentials ? limits.transactionsCredentials() : limits.transactionsNew();
        if (transactions > 0 && load.serverTransactions() >= transactions) {
            return new Shed(workClass, workClass.transactionsReason());
        }
        // A heap that stays this full after collections is a few seconds from a full collection,
        // which stops the node for a second or more: every datagram then waits or is dropped. The
        // reading moves in steps (one per collection, and old garbage only leaves with the mixed
        // collections after a marking), so shedding all new work from the mark on would starve the
        // node for seconds at a time: from heapPercent a share of new work is shed, growing to all
        // of it at heapPercentCredentials, from where work with credentials is shed too.
        int fill = load.heapPercent();
        if (credentials) {
            if (limits.heapPercentCredentials() > 0 && fill >= limits.heapPercentCredentials()) {
                return new Shed(workClass, workClass.heapReason());
            }
        } else if (limits.heapPercent() > 0 && fill >= limits.heapPercent()) {
            int top = limits.heapPercentCredentials() > limits.heapPercent() ? limits.heapPercentCredentials() : 100;
            double share = Math.min(1.0, (fill - limits.heapPercent() + 1) / (double) (top - limits.heapPercent() + 1));
            if (load.draw() < share) {
                return new Shed(workClass, workClass.heapReason());
            }
        }
        return new Admit(workClass);
    }
}
