package io.switchboard.sip.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which digest algorithms a realm allows, which challenges a request is offered, and which
 * responses are accepted.
 *
 * <ul>
 *   <li><b>Allowed</b>: the pool's list, or the realm's own list when one is configured (a
 *       SHA-256-only domain). Order = preference, the order of the challenges (RFC 8760 section
 *       2.4, RFC 7616 section 3.7: one challenge per algorithm, the client uses the first it
 *       supports).</li>
 *   <li><b>Offered</b>: the allowed list, unless the client's User-Agent starts with the prefix
 *       of a {@link UserAgentRule}: then the rule's algorithms that the realm allows, in the rule's
 *       order (the realm's list when none is left). For clients that fail on a challenge they
 *       cannot compute instead of skipping it (libre 1.x, baresip 1.0, answers every challenge of
 *       a 401 and gives up at the first SHA-256 one whatever the order; sipsak 0.9.8 reads only
 *       the first), and for clients known to do SHA-256 where MD5 must come first for the others
 *       (linphone uses the first challenge it supports).</li>
 *   <li><b>Accepted</b>: a response whose algorithm the realm allows, nothing else. The
 *       User-Agent never takes part: it is chosen by the client, so it may only narrow what is
 *       offered, never widen what is accepted. A client that could answer MD5 after a
 *       User-Agent-narrowed challenge could have answered MD5 to the full one as well.</li>
 * </ul>
 *
 * <p>Pure and immutable: configuration in, decisions out.
 */
public final class DigestPolicy {

    private final List<DigestAlgorithm> defaults;
    private final Map<String, List<DigestAlgorithm>> perRealm;
    private final List<UserAgentRule> userAgentRules;

    /**
     * The challenges for clients whose User-Agent starts with {@code prefix} (case-insensitive),
     * e.g. {@code baresip v1.} offered only MD5.
     */
    public record UserAgentRule(String prefix, List<DigestAlgorithm> algorithms) {
        public UserAgentRule {
            prefix = Objects.requireNonNull(prefix, "prefix").strip();
            if (prefix.isEmpty()) {
                // an empty prefix would match every client, e.g. switch SHA-256 off for everyone
                throw new IllegalArgumentException("empty User-Agent prefix");
            }
            algorithms = checked(algorithms, "User-Agent " + prefix);
        }

        boolean matches(String userAgent) {
            return userAgent.strip().regionMatches(true, 0, prefix, 0, prefix.length());
        }
    }

    /**
     * @param defaults       allowed in every realm without a list of its own, preferred first
     * @param perRealm       realms (case-insensitive) with their own allowed list, preferred first
     * @param userAgentRules the first rule whose prefix the User-Agent starts with decides the offer
     */
    public DigestPolicy(
            List<DigestAlgorithm> defaults,
            Map<String, List<DigestAlgorithm>> perRealm,
            List<UserAgentRule> userAgentRules) {
        this.defaults = checked(defaults, "default");
        TreeMap<String, List<DigestAlgorithm>> realms = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        perRealm.forEach((realm, list) -> realms.put(Objects.requireNonNull(realm, "realm"), checked(list, realm)));
        this.perRealm = realms;
        this.userAgentRules = List.copyOf(userAgentRules);
    }

    /** The same allowed list everywhere, no User-Agent exceptions. */
    public static DigestPolicy of(List<DigestAlgorithm> algorithms) {
        return new DigestPolicy(algorithms, Map.of(), List.of());
    }

    /** What {@code realm} allows, preferred first. */
    public List<DigestAlgorithm> allowed(String realm) {
        return perRealm.getOrDefault(realm, defaults);
    }

    /** The challenges to send, in order, to a request for {@code realm} with this User-Agent (or null). */
    public List<DigestAlgorithm> offered(String realm, String userAgentOrNull) {
        List<DigestAlgorithm> allowed = allowed(realm);
        if (userAgentOrNull == null) {
            return allowed;
        }
        for (UserAgentRule rule : userAgentRules) {
            if (rule.matches(userAgentOrNull)) {
                // never more than the realm allows: a rule only picks and orders
                List<DigestAlgorithm> offer = new ArrayList<>(rule.algorithms());
                offer.retainAll(allowed);
                return offer.isEmpty() ? allowed : List.copyOf(offer);
            }
        }
        return allowed;
    }

    /** Whether a response computed with {@code algorithm} may be verified at all in {@code realm}. */
    public boolean accepts(String realm, DigestAlgorithm algorithm) {
        return allowed(realm).contains(algorithm);
    }

    private static List<DigestAlgorithm> checked(List<DigestAlgorithm> list, String what) {
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no algorithm allowed for " + what);
        }
        List<DigestAlgorithm> distinct = new ArrayList<>();
        for (DigestAlgorithm a : list) {
            if (!distinct.contains(Objects.requireNonNull(a, "algorithm"))) {
                distinct.add(a);
            }
        }
        return List.copyOf(distinct);
    }
}
