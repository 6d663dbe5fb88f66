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
     * ({@code StandingDelay}; 0 for none, or TCP), and its server transactions (live ones and
     * answered ones kept to absorb retransmissions, 32 s over UDP, RFC 3261 section 17.2.2).
     */
    public record Load(long standingMillis, int serverTransactions) {}

    /**
     * Where new work is shed for load. Without credentials: at a standing UDP wait of {@code
     * queueWaitMillis}, or with {@code transactionsNew} server transactions; with credentials
     * (the second leg of a digest exchange, whose challenge was already paid for): only at {@code
     * queueWaitCredentialsMillis}, or {@code transactionsCredentials}. 0: that limit is off.
     */
    public record LoadLimits(
            long queueWaitMillis, long queueWaitCredentialsMillis, int transactionsNew, int transactionsCredentials) {
        public static final LoadLimits OFF = new LoadLimits(0, 0, 0, 0);

        public LoadLimits {
            if (queueWaitMillis < 0
                    || queueWaitCredentialsMillis < 0
                    || transactionsNew < 0
                    || transactionsCredentials < 0) {
                throw new IllegalArgumentException("load limits must not be negative");
            }
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
        return new Admit(workClass);
    }
}
