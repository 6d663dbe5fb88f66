package io.switchboard.proxy.sip;

import java.util.Optional;

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

    /** Always open: the outbound proxy is tried, as without a gate. */
    OutboundGate OPEN = toOurUser -> Optional.empty();
}
