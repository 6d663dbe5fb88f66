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
}
