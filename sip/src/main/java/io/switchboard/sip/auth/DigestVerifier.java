package io.switchboard.sip.auth;

import io.switchboard.sip.crypto.Hmac;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * Checks a Digest response (RFC 3261 section 22.4 with RFC 7616 / RFC 8760 algorithms).
 *
 * <p>Only {@code qop=auth} is accepted: we always offer it, it binds the client nonce and nonce
 * count into the hash (replay protection), and {@code auth-int} would require hashing bodies we do
 * not need to protect. A response without qop (RFC 2069 style) is rejected.
 *
 * <p>Unknown users: the caller passes {@code ha1OrNull == null}; the response is then checked
 * against a fake HA1 = HMAC(secret, username, realm), doing the same work and yielding the same
 * {@link AuthFailure#BAD_CREDENTIALS} as a wrong password, so scanners such as sipvicious
 * {@code svwar} cannot enumerate accounts by timing or by answer.
 *
 * <p>Not checked here: that {@code uri} matches the Request-URI (RFC 7616 section 3.4.6). The SIP
 * adapter compares it, because only it knows the request and proxies may rewrite the URI.
 */
public final class DigestVerifier {
    private static final String FAKE_HA1_PURPOSE = "switchboard fake ha1 v1";
    private static final String QOP_AUTH = "auth";

    /**
     * The hashing one verification does, as one seam so a test can count it: the fake HA1 (an HMAC)
     * and the two hashes of the expected response. Package-private: only tests replace it.
     */
    interface Hashing {
        Hashing REAL = new Hashing() {
            @Override
            public String hashHex(DigestAlgorithm algorithm, String text) {
                return algorithm.hashHex(text);
            }

            @Override
            public byte[] mac(Hmac key, byte[]... parts) {
                return key.mac(parts);
            }
        };

        String hashHex(DigestAlgorithm algorithm, String text);

        byte[] mac(Hmac key, byte[]... parts);
    }

    private final NonceService nonces;
    private final Hmac fakeHa1;
    private final AuthEvents events;
    private final Hashing hashing;

    public DigestVerifier(NonceService nonces, byte[] secret) {
        this(nonces, secret, AuthEvents.NONE);
    }

    /**
     * @param secret the pool secret (at least 16 bytes); must be the same on all nodes so the fake
     *               HA1 of an unknown user is the same wherever the attacker's request lands
     */
    public DigestVerifier(NonceService nonces, byte[] secret, AuthEvents events) {
        this(nonces, secret, events, Hashing.REAL);
    }

    DigestVerifier(NonceService nonces, byte[] secret, AuthEvents events, Hashing hashing) {
        this.nonces = Objects.requireNonNull(nonces, "nonces");
        this.fakeHa1 = new Hmac(secret, FAKE_HA1_PURPOSE);
        this.events = Objects.requireNonNull(events, "events");
        this.hashing = Objects.requireNonNull(hashing, "hashing");
    }

    /**
     * @param r         the parsed response ({@link DigestResponse#from})
     * @param method    the request's method (for ACK and CANCEL see RFC 3261 section 22.4)
     * @param realm     the realm this node challenges with for the request's domain
     * @param ha1OrNull HA1 of the claimed user computed with {@code r.algorithm()}, or null if no such
     *                  user exists (or the account has no credentials for that algorithm)
     */
    public Verdict verify(DigestResponse r, String method, String realm, String ha1OrNull, Instant now) {
        Verdict v = decide(r, method, realm, ha1OrNull, now);
        if (v instanceof Verdict.Failed f) {
            events.failure(f.reason());
        } else if (v instanceof Verdict.Stale) {
            events.stale();
        } else {
            events.success();
        }
        return v;
    }

    private Verdict decide(DigestResponse r, String method, String realm, String ha1OrNull, Instant now) {
        if (!r.realm().equals(realm)) {
            return new Verdict.Failed(AuthFailure.REALM_MISMATCH);
        }
        if (r.qop() == null) {
            return new Verdict.Failed(AuthFailure.QOP_MISSING);
        }
        if (!QOP_AUTH.equals(r.qop())) {
            return new Verdict.Failed(AuthFailure.QOP_UNSUPPORTED);
        }
        NonceCheck nonce = nonces.authenticate(r.nonce(), realm, now);
        if (nonce == NonceCheck.INVALID) {
            return new Verdict.Failed(AuthFailure.INVALID_NONCE);
        }
        // computed for known users too, so both paths do the same work
        String fake = fakeHa1(r.username(), realm, r.algorithm());
        String ha1 = ha1OrNull != null ? ha1OrNull.toLowerCase(Locale.ROOT) : fake;
        String expected =
                response(hashing, r.algorithm(), ha1, r.nonce(), r.nc(), r.cnonce(), r.qop(), method, r.uri());
        boolean match = Hmac.constantTimeEquals(
                expected.getBytes(StandardCharsets.US_ASCII), r.response().getBytes(StandardCharsets.US_ASCII));
        if (!match || ha1OrNull == null) {
            // a STALE nonce with a wrong password lands here too: it must not be told "stale"
            return new Verdict.Failed(AuthFailure.BAD_CREDENTIALS);
        }
        if (nonce == NonceCheck.STALE) {
            return Verdict.STALE;
        }
        // only now, with the credentials proven, may the nonce count be recorded
        return switch (nonces.check(r.nonce(), realm, r.nonceCount(), now)) {
            case VALID -> Verdict.OK;
            case STALE -> Verdict.STALE;
            case REPLAYED -> new Verdict.Failed(AuthFailure.REPLAYED);
            case INVALID -> new Verdict.Failed(AuthFailure.INVALID_NONCE);
        };
    }

    /**
     * The request-digest for qop=auth (RFC 7616 section 3.4.1):
     * {@code H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri))}. Public so clients and
     * tests can compute Authorization headers.
     */
    public static String response(
            DigestAlgorithm algorithm,
            String ha1,
            String nonce,
            String nc,
            String cnonce,
            String qop,
            String method,
            String uri) {
        return response(Hashing.REAL, algorithm, ha1, nonce, nc, cnonce, qop, method, uri);
    }

    private static String response(
            Hashing hashing,
            DigestAlgorithm algorithm,
            String ha1,
            String nonce,
            String nc,
            String cnonce,
            String qop,
            String method,
            String uri) {
        String ha2 = hashing.hashHex(algorithm, method + ":" + uri);
        return hashing.hashHex(algorithm, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
    }

    private String fakeHa1(String username, String realm, DigestAlgorithm algorithm) {
        byte[] mac = hashing.mac(
                fakeHa1,
                username.getBytes(StandardCharsets.UTF_8),
                new byte[] {0},
                realm.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(mac).substring(0, algorithm.hexLength());
    }
}
