package io.switchboard.sip.auth;

/** Outcome of {@link DigestVerifier#verify}. */
public sealed interface Verdict permits Verdict.Ok, Verdict.Stale, Verdict.Failed {

    Verdict OK = new Ok();
    Verdict STALE = new Stale();

    /** Credentials right, nonce valid, nc fresh: the request is authenticated. */
    record Ok() implements Verdict {}

    /**
     * Credentials right but the nonce expired: challenge again with {@code stale=true}
     * (RFC 7616 section 3.3) so the client retries with a new nonce without prompting its user.
     */
    record Stale() implements Verdict {}

    /** Not authenticated; challenge again without stale (and count a failure in the throttle). */
    record Failed(AuthFailure reason) implements Verdict {}
}
