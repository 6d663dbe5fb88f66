package io.switchboard.node.sip;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.node.metrics.NodeMetrics;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.DigestChallenger;
import io.switchboard.sip.auth.DigestResponse;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.Verdict;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.header.UserAgentHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Digest authentication of requests from our users (RFC 3261 section 22, RFC 7616, RFC 8760),
 * asynchronous end to end: the HA1 comes from the (cached) account store, never on a SIP thread.
 *
 * <p>Answers an operator and a scanner alike see:
 * <ul>
 *   <li>no credentials for our realm: 401 with the challenges the realm's DigestPolicy offers
 *       this client (by default SHA-256 and MD5; MD5 alone for User-Agents that cannot skip a
 *       SHA-256 challenge, where MD5 is allowed);</li>
 *   <li>right password on an expired nonce: 401 with {@code stale=true};</li>
 *   <li>wrong password <em>or unknown user</em>: 403 "Authentication failed", identical in both
 *       cases (no account enumeration, sipvicious svwar);</li>
 *   <li>a replayed or forged nonce: a fresh 401;</li>
 *   <li>over a guessing limit (AuthThrottle: the account from this source, this source, or the
 *       account's pool-wide budget, which the owner's known devices are exempt from): 403 "Too many
 *       failed authentications" with Retry-After, before any verification (svcrack gets slow).
 *       403, not 503: RFC 3261 section 21.5.4 makes a 503 send the client to another server of
 *       the pool, which gives the same answer, and some phones then treat the node as down for
 *       everyone; section 21.4.4's 403 says repeating will not help, Retry-After says when it may.</li>
 * </ul>
 */
public final class RequestAuthenticator {

    /** The result: the authenticated AOR, or the response to send instead. */
    public sealed interface Outcome {
        record Authenticated(String aor) implements Outcome {}

        record Answer(int status, String reason, List<Header> headers) implements Outcome {}
    }

    private final AccountStore accounts;
    private final DigestChallenger challenger;
    private final DigestVerifier verifier;
    private final AuthThrottle throttle;
    private final HeaderFactory headers;
    private final NodeMetrics metrics;
    private final Clock clock;
    /** The 403's reason phrase for wrong credentials and unknown users alike (README, "No user enumeration"). */
    private volatile String failedReason = "Authentication failed";

    private volatile java.util.function.Function<Request, CompletionStage<java.util.Optional<String>>> vouchedFor;

    public RequestAuthenticator(
            AccountStore accounts,
            DigestChallenger challenger,
            DigestVerifier verifier,
            AuthThrottle throttle,
            HeaderFactory headers,
            NodeMetrics metrics,
            Clock clock) {
        this.accounts = accounts;
        this.challenger = challenger;
        this.verifier = verifier;
        this.throttle = throttle;
        this.headers = headers;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Sets the reason phrase of the 403 for a wrong password or an unknown user (the same for both). A branch
     * node knows only its site's users, so it says that a user of the pool registers at the pool (README,
     * "Sites and branches").
     */
    public void failedReason(String reason) {
        this.failedReason = reason;
    }

    /**
     * @param realm     the realm of the request's domain (one of ours)
     * @param sourceIp  the packet's source address, for the per-source throttle
     * @param proxy     407/Proxy-Authorization (requests through the proxy) instead of 401/Authorization
     */
    public CompletionStage<Outcome> authenticate(Request request, String realm, String sourceIp, boolean proxy) {
        java.util.function.Function<Request, CompletionStage<java.util.Optional<String>>> vouch = vouchedFor;
        if (proxy && vouch != null) {
            return vouch.apply(request)
                    .thenCompose(aor -> aor.isPresent()
                            ? done(new Outcome.Authenticated(aor.get()))
                            : digest(request, realm, sourceIp, proxy));
        }
        return digest(request, realm, sourceIp, proxy);
    }

    /**
     * Requests (not REGISTERs) another party already authenticated and vouches for: the AOR, or empty to
     * authenticate by digest as usual. A pool node with branch sites takes a branch user's requests that a branch
     * node forwards ({@code io.switchboard.node.site.BranchVouching}, README "Sites and branches").
     */
    public void vouchedFor(java.util.function.Function<Request, CompletionStage<java.util.Optional<String>>> vouch) {
        this.vouchedFor = vouch;
    }

    private CompletionStage<Outcome> digest(Request request, String realm, String sourceIp, boolean proxy) {
        Instant now = clock.instant();
        AuthorizationHeader credentials = credentialsFor(request, realm, proxy);
        if (credentials == null || !"Digest".equalsIgnoreCase(credentials.getScheme())) {
            // RFC 4475 section 3.3.7: a scheme we do not know is answered with a challenge in one we do
            return done(challenge(request, realm, false, proxy, now));
        }
        DigestResponse.Parsed parsed = DigestResponse.from(credentials);
        if (parsed instanceof DigestResponse.Parsed.Invalid) {
            metrics.authFailure("malformed");
            // a fixed phrase: the parser's reason quotes the request (issue 10, item 5)
            return done(new Outcome.Answer(Response.BAD_REQUEST, "Malformed credentials", List.of()));
        }
        DigestResponse response = ((DigestResponse.Parsed.Ok) parsed).value();
        if (!uriMatches(response.uri(), request)) {
            // RFC 7616 section 3.4.6: credentials computed for another URI are not for this request.
            metrics.authFailure("uri_mismatch");
            return done(
                    new Outcome.Answer(Response.BAD_REQUEST, "Digest uri does not match the Request-URI", List.of()));
        }
        String accountKey = response.username() + "@" + realm;
        AuthThrottle.Decision gate = throttle.check(accountKey, sourceIp, now);
        if (!gate.allowed()) {
            // counted by reason in the throttle's events (NodeMetrics.authThrottleEvents)
            return done(tooManyFailures(gate.retryAfterSeconds()));
        }
        return accounts.find(realm, response.username()).thenApply(account -> {
            Instant verifiedAt = clock.instant();
            // An algorithm the realm does not allow (an MD5 answer in a SHA-256-only domain) is
            // verified against no HA1 at all: the same work and the same 403 as a wrong password,
            // whatever the User-Agent (DigestPolicy.accepts). An account without an HA1 for the
            // algorithm is refused the same way.
            String ha1 = challenger.accepts(realm, response.algorithm())
                    ? account.flatMap(a -> a.ha1(response.algorithm())).orElse(null)
                    : null;
            Verdict verdict = verifier.verify(response, request.getMethod(), realm, ha1, verifiedAt);
            if (verdict instanceof Verdict.Ok) {
                throttle.success(accountKey, sourceIp, verifiedAt);
                return new Outcome.Authenticated(account.map(Account::aor).orElseThrow());
            }
            if (verdict instanceof Verdict.Stale) {
                return challenge(request, realm, true, proxy, verifiedAt);
            }
            Verdict.Failed failed = (Verdict.Failed) verdict;
            throttle.failure(accountKey, sourceIp, verifiedAt);
            metrics.authFailure(failed.reason().name().toLowerCase(java.util.Locale.ROOT));
            return switch (failed.reason()) {
                case BAD_CREDENTIALS -> new Outcome.Answer(Response.FORBIDDEN, failedReason, List.of());
                default -> challenge(request, realm, false, proxy, verifiedAt);
            };
        });
    }

    /**
     * 401/407 with the challenges the policy offers this realm and client: its User-Agent may
     * narrow them to MD5 for clients that cannot skip a SHA-256 challenge (DigestPolicy.offered).
     */
    private Outcome challenge(Request request, String realm, boolean stale, boolean proxy, Instant now) {
        return new Outcome.Answer(
                proxy ? Response.PROXY_AUTHENTICATION_REQUIRED : Response.UNAUTHORIZED,
                null,
                challenger.challengeHeaders(headers, realm, userAgent(request), stale, proxy, now));
    }

    /** The User-Agent header as one string (its product tokens and comments), or null. */
    private static String userAgent(Request request) {
        Header h = request.getHeader(UserAgentHeader.NAME);
        if (h == null) {
            return null;
        }
        String line = h.toString();
        int colon = line.indexOf(':');
        return (colon < 0 ? line : line.substring(colon + 1)).strip();
    }

    private Outcome tooManyFailures(long retryAfterSeconds) {
        try {
            Header retry =
                    headers.createRetryAfterHeader((int) Math.max(1, Math.min(retryAfterSeconds, Integer.MAX_VALUE)));
            return new Outcome.Answer(Response.FORBIDDEN, "Too many failed authentications", List.of(retry));
        } catch (javax.sip.InvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The digest {@code uri} must name this request's target: its Request-URI (scheme and host
     * compared without case when there is no user part), or this node's own address as the request
     * reached it, which is what SIPp and some phones put there ({@code sip:127.0.0.1:5060}).
     */
    static boolean uriMatches(String digestUri, Request request) {
        if (digestUri == null) {
            return false;
        }
        String requestUri = request.getRequestURI().toString();
        if (digestUri.equals(requestUri) || digestUri.indexOf('@') < 0 && digestUri.equalsIgnoreCase(requestUri)) {
            return true;
        }
        gov.nist.javax.sip.message.SIPMessage m = (gov.nist.javax.sip.message.SIPMessage) request;
        if (m.getLocalAddress() == null) {
            return false;
        }
        String local = m.getLocalAddress().getHostAddress() + ":" + m.getLocalPort();
        String bare = digestUri.replaceFirst("^sips?:", "");
        int params = bare.indexOf(';');
        return (params < 0 ? bare : bare.substring(0, params)).equalsIgnoreCase(local);
    }

    /** The client's credentials for our realm; others (for upstream proxies) are not ours to check. */
    private static AuthorizationHeader credentialsFor(Request request, String realm, boolean proxy) {
        var it = request.getHeaders(proxy ? "Proxy-Authorization" : "Authorization");
        while (it.hasNext()) {
            AuthorizationHeader h = (AuthorizationHeader) it.next();
            if (h.getRealm() == null || realm.equalsIgnoreCase(h.getRealm())) {
                return h;
            }
        }
        return null;
    }

    private static CompletionStage<Outcome> done(Outcome o) {
        return CompletableFuture.completedFuture(o);
    }
}
