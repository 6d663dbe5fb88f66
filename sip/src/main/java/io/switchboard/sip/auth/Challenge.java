package io.switchboard.sip.auth;

import java.util.Objects;

/**
 * One Digest challenge, the content of a {@code WWW-Authenticate} (401) or
 * {@code Proxy-Authenticate} (407) header. We always offer {@code qop="auth"}.
 *
 * @param opaque null when not used
 */
public record Challenge(String realm, String nonce, DigestAlgorithm algorithm, boolean stale, String opaque) {

    public Challenge {
        Objects.requireNonNull(realm, "realm");
        Objects.requireNonNull(nonce, "nonce");
        Objects.requireNonNull(algorithm, "algorithm");
    }

    /**
     * The header value, e.g. {@code Digest realm="example.com", nonce="...", algorithm=SHA-256,
     * qop="auth", stale=true}. RFC 7616 section 3.3: realm, nonce, qop and opaque are quoted
     * strings, algorithm and stale are tokens.
     */
    public String headerValue() {
        StringBuilder b = new StringBuilder("Digest realm=")
                .append(quote(realm))
                .append(", nonce=")
                .append(quote(nonce))
                .append(", algorithm=")
                .append(algorithm.token())
                .append(", qop=\"auth\"");
        if (stale) {
            b.append(", stale=true");
        }
        if (opaque != null) {
            b.append(", opaque=").append(quote(opaque));
        }
        return b.toString();
    }

    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
