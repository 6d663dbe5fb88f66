package io.switchboard.sip.auth;

/** What {@link NonceService} says about a nonce presented in a response. */
public enum NonceCheck {
    /** Issued by a pool node for this realm, within its lifetime, nonce count never seen. */
    VALID,
    /**
     * Authentic but too old (or issued under a retired secret, or forgotten under memory pressure):
     * if the credentials are right, challenge again with {@code stale=true} so the client retries
     * silently instead of asking its user for a password (RFC 7616 section 3.3).
     */
    STALE,
    /** Not issued by us: forged, altered, truncated, or issued for another realm. */
    INVALID,
    /** The nonce count is not greater than one already accepted for this nonce on this node. */
    REPLAYED
}
