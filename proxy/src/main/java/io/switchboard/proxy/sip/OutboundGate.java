package io.switchboard.proxy.sip;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Whether the outbound proxy may be tried now. A branch node's outbound proxy is the pool: while the pool does not
 * answer (README, "Sites and branches", WAN failure mode) a request for it is answered at once instead of waiting
 * for its transaction to time out, and sim-ring and forwarding legs through it are left out.
 */
public interface OutboundGate {

    /**
     * The answer to give at once.
     *
     * @param warning    a Warning header value ({@code 399 host "text"}, RFC 3261 section 20.43)
     * @param retryAfter the Retry-After in seconds (RFC 3261 section 20.33), 0 for none
     */
    record Refusal(int status, String reason, String warning, int retryAfter) {

        public Refusal(int status, String reason, String warning) {
            this(status, reason, warning, 0);
        }
    }

    /**
     * Empty: send it on; else the answer.
     *
     * @param toOurUser the request is for a user of our domains (not for another domain)
     */
    Optional<Refusal> refusal(boolean toOurUser);

    /**
     * Another outbound proxy to send this request to now instead (a branch's own trunk while the pool does not
     * answer), asked before {@link #refusal}; empty: none.
     */
    default Optional<String> divertTo(String requestUri, boolean toOurUser) {
        return Optional.empty();
    }

    /**
     * Empty: send it on; else the answer, for a request to a service the outbound proxy serves for everyone (a
     * branch node sends presence SUBSCRIBEs and PUBLISHes to the pool, whose presence server is the only one).
     * By default what {@link #refusal} gives a request for one of our users.
     */
    default Optional<Refusal> serviceRefusal() {
        return refusal(true);
    }

    /**
     * Empty: send it on; else the answer, for a request inside a dialog (it has a To tag) that this proxy routes
     * onward by its route set (RFC 3261 section 16.12) to {@code nextHop}: the top Route left after this proxy's
     * own, or the Request-URI when none is left. A branch node answers at once what it would send to the pool while
     * the pool does not answer (a BYE, a re-INVITE, a presence refresh), instead of letting the phone wait for its
     * transaction to time out. By default: send it on.
     *
     * @param signedForDialog whether that Route carries a signature made with the pool secret for this dialog (a
     *                        pool node's Record-Route, seen from a branch node, which shares the secret); asked only
     *                        when needed (an HMAC)
     */
    default Optional<Refusal> inDialogRefusal(javax.sip.address.SipURI nextHop, BooleanSupplier signedForDialog) {
        return Optional.empty();
    }

    /** Always open: the outbound proxy is tried, as without a gate. */
    OutboundGate OPEN = toOurUser -> Optional.empty();
}
