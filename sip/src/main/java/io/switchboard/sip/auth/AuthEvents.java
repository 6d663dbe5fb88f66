package io.switchboard.sip.auth;

/**
 * Hooks for metrics, called on the JAIN-SIP threads: implementations must be cheap and must not
 * block. {@link AuthCounters} is a ready implementation backed by {@code LongAdder}s that the node
 * exports to Prometheus.
 */
public interface AuthEvents {
    AuthEvents NONE = new AuthEvents() {};

    /** A response was verified: {@link Verdict.Ok}. */
    default void success() {}

    /** Right credentials on an expired nonce: {@link Verdict.Stale}. */
    default void stale() {}

    /** A response failed verification (or could not be parsed: {@link AuthFailure#MALFORMED}). */
    default void failure(AuthFailure reason) {}

    /**
     * A limit was crossed: an (account, source) pair or a source is now locked out, or an
     * account's pool-wide budget is spent for the current window.
     */
    default void lockout(AuthThrottle.Scope scope) {}

    /** A request was refused without verification by the limit of {@code scope}. */
    default void blocked(AuthThrottle.Scope scope) {}
}
