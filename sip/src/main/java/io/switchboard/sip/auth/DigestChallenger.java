package io.switchboard.sip.auth;

import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.WWWAuthenticateHeader;

/**
 * Builds the challenges of a 401 (registrar, UAS: {@code WWW-Authenticate}) or 407 (proxy:
 * {@code Proxy-Authenticate}) response. RFC 8760 section 2.4 / RFC 7616 section 3.7: one header
 * per algorithm, the preferred first, so SHA-256 precedes MD5; clients pick the first they
 * support. All headers of one response share one nonce: a nonce is bound to a realm, not to an
 * algorithm. Which algorithms a realm and a client are offered, and which answers are accepted,
 * is the {@link DigestPolicy}'s.
 */
public final class DigestChallenger {
    /** What we offer by default: SHA-256, then MD5 for the many phones that know nothing else. */
    public static final List<DigestAlgorithm> DEFAULT_ALGORITHMS =
            List.of(DigestAlgorithm.SHA_256, DigestAlgorithm.MD5);

    private final NonceService nonces;
    private final DigestPolicy policy;

    public DigestChallenger(NonceService nonces) {
        this(nonces, DEFAULT_ALGORITHMS);
    }

    /** @param algorithms offered, in order of preference (e.g. SHA-256 only once MD5 is retired) */
    public DigestChallenger(NonceService nonces, List<DigestAlgorithm> algorithms) {
        this(nonces, DigestPolicy.of(algorithms));
    }

    public DigestChallenger(NonceService nonces, DigestPolicy policy) {
        this.nonces = Objects.requireNonNull(nonces, "nonces");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    /** The challenges for {@code realm}, preferred algorithm first, sharing a fresh nonce. */
    public List<Challenge> challenges(String realm, boolean stale, Instant now) {
        return challenges(realm, null, stale, now);
    }

    /**
     * The challenges for {@code realm} and a client with this User-Agent (null: none sent), as
     * {@link DigestPolicy#offered} says, sharing a fresh nonce.
     */
    public List<Challenge> challenges(String realm, String userAgentOrNull, boolean stale, Instant now) {
        String nonce = nonces.issue(realm, now);
        List<DigestAlgorithm> offered = policy.offered(realm, userAgentOrNull);
        List<Challenge> out = new ArrayList<>(offered.size());
        for (DigestAlgorithm a : offered) {
            out.add(new Challenge(realm, nonce, a, stale, null));
        }
        return out;
    }

    /** Whether a response computed with {@code algorithm} may be verified in {@code realm}. */
    public boolean accepts(String realm, DigestAlgorithm algorithm) {
        return policy.accepts(realm, algorithm);
    }

    /**
     * JAIN-SIP headers for {@link #challenges}: {@code WWW-Authenticate} for a 401, or
     * {@code Proxy-Authenticate} for a 407 when {@code proxy}. Add them in list order.
     */
    public List<Header> challengeHeaders(HeaderFactory f, String realm, boolean stale, boolean proxy, Instant now) {
        return challengeHeaders(f, realm, null, stale, proxy, now);
    }

    /** {@link #challengeHeaders} for a client with this User-Agent (null: none sent). */
    public List<Header> challengeHeaders(
            HeaderFactory f, String realm, String userAgentOrNull, boolean stale, boolean proxy, Instant now) {
        List<Header> out = new ArrayList<>(2);
        for (Challenge c : challenges(realm, userAgentOrNull, stale, now)) {
            out.add(toHeader(f, c, proxy));
        }
        return out;
    }

    /** One challenge as a JAIN-SIP header. */
    public static Header toHeader(HeaderFactory f, Challenge c, boolean proxy) {
        try {
            WWWAuthenticateHeader h =
                    proxy ? f.createProxyAuthenticateHeader("Digest") : f.createWWWAuthenticateHeader("Digest");
            h.setRealm(c.realm());
            h.setNonce(c.nonce());
            h.setAlgorithm(c.algorithm().token());
            h.setQop("auth");
            if (c.stale()) {
                h.setStale(true);
            }
            if (c.opaque() != null) {
                h.setOpaque(c.opaque());
            }
            return h;
        } catch (ParseException e) {
            // realm and opaque come from configuration, the nonce from us: this is a bug or bad config
            throw new IllegalArgumentException("cannot build challenge for realm " + c.realm(), e);
        }
    }
}
