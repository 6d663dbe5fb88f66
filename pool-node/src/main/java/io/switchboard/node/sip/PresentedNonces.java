package io.switchboard.node.sip;

import io.switchboard.sip.auth.NonceCheck;
import io.switchboard.sip.auth.NonceService;
import java.time.Clock;
import java.util.ListIterator;
import java.util.function.Predicate;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.ProxyAuthorizationHeader;
import javax.sip.message.Request;

/**
 * Whether a request's credentials carry a nonce this pool issued (VALID or STALE: signed by one of
 * its secrets, for the realm the header names), which is what gives a challenged flow's second leg
 * its later shedding under load ({@link EdgeAdmission}). Any header would do otherwise: a stranger
 * adding {@code Authorization: Digest nonce="x"} to a flood would be shed after the phones. One
 * HMAC per header, no account lookup and no nonce-count state (the digest check does that later);
 * asked only when the request would be shed without credentials. A stranger who asked for a
 * challenge holds an authentic nonce for its lifetime, so this raises the bar rather than closing
 * it: such a flood still fails the digest check and is counted by the auth throttle.
 */
final class PresentedNonces implements Predicate<Request> {

    /** Headers looked at per request: a phone sends one; more cost an HMAC each. */
    static final int MAX_HEADERS = 4;

    private final NonceService nonces;
    private final Clock clock;

    PresentedNonces(NonceService nonces, Clock clock) {
        this.nonces = nonces;
        this.clock = clock;
    }

    @Override
    public boolean test(Request request) {
        int[] left = {MAX_HEADERS};
        return authentic(request.getHeaders(AuthorizationHeader.NAME), left)
                || authentic(request.getHeaders(ProxyAuthorizationHeader.NAME), left);
    }

    private boolean authentic(ListIterator<?> headers, int[] left) {
        while (headers != null && headers.hasNext() && left[0] > 0) {
            left[0]--;
            if (headers.next() instanceof AuthorizationHeader a
                    && nonces.authenticate(a.getNonce(), a.getRealm(), clock.instant()) != NonceCheck.INVALID) {
                return true;
            }
        }
        return false;
    }
}
