package io.switchboard.node.admin;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.admin.AdminServer.UserAuthenticator;
import io.switchboard.sip.auth.AuthThrottle;
import io.switchboard.sip.auth.Challenge;
import io.switchboard.sip.auth.DigestChallenger;
import io.switchboard.sip.auth.DigestResponse;
import io.switchboard.sip.auth.DigestVerifier;
import io.switchboard.sip.auth.Verdict;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * HTTP Digest (RFC 7616) for the users' own HTTP interface, with the credentials their phones use
 * for SIP: the account store keeps only HA1 = H(user ":" domain ":" password) per algorithm, so
 * the HTTP {@code username} is the user part ({@code alice}) and the {@code realm} is the domain
 * ({@code example.test}), exactly as in SIP. That also makes the HA1 the one the user's softphone
 * already computes.
 *
 * <p>The same parts as SIP authentication ({@code sip} module README), so one policy holds:
 * stateless nonces bound to the realm ({@code NonceService}), {@code qop=auth} only, SHA-256
 * offered before MD5, a fake HA1 for unknown users (a wrong password and an unknown user get the
 * same answer, no account enumeration), and the node's one {@link AuthThrottle}, so guesses over
 * HTTP and over SIP count against the same limits and the same pool-wide budget (it is one
 * password: two budgets would double an attacker's rate), and a device known from one interface
 * is known to the other.
 *
 * <p>Realms: a 401 offers a challenge per served domain, the first configured domain first (HTTP
 * clients such as curl answer the first challenge they understand). A user of another domain
 * adds {@code ?domain=their.domain} to the request, and only that realm is offered.
 *
 * <p>Answers: no or malformed credentials, a stale or foreign nonce, a wrong password or unknown
 * user: 401 with fresh challenges ({@code stale=true} when only the nonce aged, RFC 7616 section
 * 3.3); a digest {@code uri} that is not this request's target: 400 (section 3.4.6); over the
 * failure limit: 429 with {@code Retry-After}.
 */
public final class HttpDigestAuthenticator implements UserAuthenticator {

    private final AccountStore accounts;
    private final List<String> domains;
    private final DigestChallenger challenger;
    private final DigestVerifier verifier;
    private final AuthThrottle throttle;
    private final Clock clock;

    public HttpDigestAuthenticator(
            AccountStore accounts,
            List<String> domains,
            DigestChallenger challenger,
            DigestVerifier verifier,
            AuthThrottle throttle,
            Clock clock) {
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("at least one domain is needed as a realm");
        }
        this.accounts = accounts;
        this.domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        this.challenger = challenger;
        this.verifier = verifier;
        this.throttle = throttle;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Outcome> authenticate(Attempt a) {
        Instant now = clock.instant();
        String wanted = a.query().get("domain");
        if (wanted != null && !domains.contains(wanted.toLowerCase(Locale.ROOT))) {
            return done(new Outcome.Refused(
                    Reply.error(
                            400,
                            "domain " + wanted + " is not served here (served: " + String.join(", ", domains) + ")"),
                    List.of()));
        }
        List<String> realms = wanted == null ? domains : List.of(wanted.toLowerCase(Locale.ROOT));
        if (a.authorization() == null) {
            return done(challenge(
                    realms,
                    false,
                    now,
                    "Authenticate with HTTP Digest: user name and password of your SIP account"
                            + " (user name without @domain; realm = your domain)"));
        }
        DigestResponse.Parsed parsed = DigestResponse.parse(a.authorization());
        if (parsed instanceof DigestResponse.Parsed.Invalid invalid) {
            return done(challenge(realms, false, now, "Unusable credentials: " + invalid.reason()));
        }
        DigestResponse r = ((DigestResponse.Parsed.Ok) parsed).value();
        // the realm exactly as challenged: the client's HA1 depends on its spelling
        String realm = r.realm();
        if (!domains.contains(realm)) {
            return done(challenge(realms, false, now, "realm " + r.realm() + " is not one of ours"));
        }
        if (!r.uri().equals(a.requestTarget())) {
            // RFC 7616 section 3.4.6: credentials computed for another URI are not for this request.
            return done(new Outcome.Refused(
                    Reply.error(
                            400,
                            "Digest uri \"" + r.uri() + "\" does not match the request target \"" + a.requestTarget()
                                    + "\""),
                    List.of()));
        }
        String accountKey = r.username() + "@" + realm;
        AuthThrottle.Decision gate = throttle.check(accountKey, a.sourceIp(), now);
        if (!gate.allowed()) {
            long retry = Math.max(1, gate.retryAfterSeconds());
            return done(new Outcome.Refused(
                    new Reply(
                            429,
                            "application/json",
                            Json.write(
                                    Map.of("error", "Too many failed authentications; try again in " + retry + " s")),
                            Map.of("Retry-After", Long.toString(retry))),
                    List.of()));
        }
        return accounts.find(realm, r.username()).thenApply(account -> {
            Instant at = clock.instant();
            // an algorithm the realm does not allow is verified against no HA1 at all: the same
            // work and the same answer as a wrong password (DigestPolicy.accepts)
            String ha1 = challenger.accepts(realm, r.algorithm())
                    ? account.flatMap(acc -> acc.ha1(r.algorithm())).orElse(null)
                    : null;
            Verdict verdict = verifier.verify(r, a.method(), realm, ha1, at);
            if (verdict instanceof Verdict.Ok) {
                throttle.success(accountKey, a.sourceIp(), at);
                return new Outcome.Authenticated(account.map(Account::aor).orElseThrow());
            }
            if (verdict instanceof Verdict.Stale) {
                return challenge(List.of(realm), true, at, "The nonce has expired; authenticate again");
            }
            throttle.failure(accountKey, a.sourceIp(), at);
            return challenge(realms, false, at, "Authentication failed");
        });
    }

    private Outcome challenge(List<String> realms, boolean stale, Instant now, String message) {
        List<String> headers = new ArrayList<>();
        for (String realm : realms) {
            for (Challenge c : challenger.challenges(realm, stale, now)) {
                headers.add(c.headerValue());
            }
        }
        return new Outcome.Refused(Reply.error(401, message), headers);
    }

    private static CompletionStage<Outcome> done(Outcome o) {
        return CompletableFuture.completedFuture(o);
    }
}
