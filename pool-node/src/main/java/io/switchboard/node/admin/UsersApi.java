package io.switchboard.node.admin;

import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.domain.AccountDraft;
import io.switchboard.accounts.domain.AccountRules;
import io.switchboard.accounts.domain.NewAccountRequest;
import io.switchboard.accounts.domain.SipAddress;
import io.switchboard.accounts.domain.UserCsv;
import io.switchboard.accounts.domain.Validation;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitRules;
import io.switchboard.park.domain.UserNumber;
import io.switchboard.park.store.OrbitRanges;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code /api/users}: GET lists (optionally {@code ?domain=}), POST adds one user from form fields
 * {@code uri, password, display_name, phone, site}; {@code /api/users/import}: POST a CSV body
 * (header {@code uri,password,display_name,phone} and optionally {@code site}), good rows are stored,
 * bad ones reported by line; {@code /api/users/move}: POST {@code uri, site} homes an existing user at
 * another site. A user's site is shown by name, the pool's own name for users homed at the pool.
 */
public final class UsersApi {

    /** Response header of an import: how many rows were rejected. */
    public static final String REJECTED_ROWS_HEADER = "Switchboard-Rejected-Rows";

    private static final int PAGE = 500;

    private final AccountStore store;
    private final AccountRules rules;
    private final List<String> domains;
    private final Clock clock;
    private final OrbitRanges orbitRanges;
    private final java.util.function.Function<String, java.util.Optional<String>> siteRefusal;

    /** Seconds a client is told to wait before trying a change to a branch user again (Retry-After). */
    static final int BRANCH_RETRY_AFTER = 30;

    public UsersApi(
            AccountStore store, AccountRules rules, List<String> domains, Clock clock, OrbitRanges orbitRanges) {
        this(store, rules, domains, clock, orbitRanges, site -> java.util.Optional.empty());
    }

    /**
     * @param orbitRanges call park's orbit ranges: a user whose user part or phone number is an
     *                    orbit of one is refused with 409 naming the rule (call-park/README.md)
     * @param siteRefusal why a user homed at a site (empty: the pool) cannot be changed now, or empty
     *                    ({@code BranchChanges}: her branch does not answer); refused with 503
     */
    public UsersApi(
            AccountStore store,
            AccountRules rules,
            List<String> domains,
            Clock clock,
            OrbitRanges orbitRanges,
            java.util.function.Function<String, java.util.Optional<String>> siteRefusal) {
        this.siteRefusal = siteRefusal;
        this.orbitRanges = orbitRanges;
        this.store = store;
        this.rules = rules;
        this.domains = domains;
        this.clock = clock;
    }

    public CompletionStage<Reply> users(Call call) {
        return switch (call.method()) {
            case "GET" -> list(call);
            case "POST" -> add(call);
            default -> done(Reply.methodNotAllowed("GET, POST", "Use GET to list users or POST to add one"));
        };
    }

    private CompletionStage<Reply> add(Call call) {
        Map<String, String> form = AdminServer.query(call.body());
        NewAccountRequest request = new NewAccountRequest(
                form.get("uri"),
                form.get("password"),
                form.getOrDefault("display_name", ""),
                form.getOrDefault("phone", ""),
                form.get("site"));
        Validation<AccountDraft> v = rules.validate(request);
        if (v instanceof Validation.Invalid<AccountDraft> invalid) {
            return done(Reply.error(400, invalid.reason()));
        }
        Account account = ((Validation.Valid<AccountDraft>) v).value().toAccount(clock.instant());
        return orbitRanges.list().thenCompose(ranges -> {
            java.util.Optional<String> orbit = orbitConflict(account, ranges);
            if (orbit.isPresent()) {
                return done(Reply.error(409, orbit.get()));
            }
            return store.find(account.domain(), account.user()).thenCompose(before -> {
                java.util.Optional<String> refused = siteRefusal
                        .apply(account.homeSite())
                        .or(() -> before.flatMap(b -> siteRefusal.apply(b.homeSite())));
                if (refused.isPresent()) {
                    return done(Reply.unavailable(refused.get(), BRANCH_RETRY_AFTER));
                }
                return putNew(call, account);
            });
        });
    }

    private CompletionStage<Reply> putNew(Call call, Account account) {
        return store.put(account)
                .thenApply(ok -> call.wantsText()
                        ? Reply.text(201, "added " + account.aor() + "\n")
                        : Reply.json(201, Json.write(accountJson(account, rules))));
    }

    /**
     * Homes an existing user at another site. Only the home site changes (credentials, name and
     * phone stay); moving to the site the user is at already is answered 200 and writes nothing.
     */
    public CompletionStage<Reply> move(Call call) {
        if (!"POST".equals(call.method())) {
            return done(Reply.methodNotAllowed("POST", "POST uri and site"));
        }
        Map<String, String> form = AdminServer.query(call.body());
        Validation<SipAddress> address = SipAddress.parse(form.get("uri"));
        if (address instanceof Validation.Invalid<SipAddress> bad) {
            return done(Reply.error(400, bad.reason()));
        }
        if (form.get("site") == null || form.get("site").isBlank()) {
            return done(Reply.error(400, "site is missing (the pool's own site name homes the user at the pool)"));
        }
        Validation<String> site = rules.homeSite(form.get("site"));
        if (site instanceof Validation.Invalid<String> bad) {
            return done(Reply.error(400, bad.reason()));
        }
        SipAddress aor = ((Validation.Valid<SipAddress>) address).value();
        String to = ((Validation.Valid<String>) site).value();
        return store.find(aor.domain(), aor.user()).thenCompose(found -> {
            if (found.isEmpty()) {
                return done(Reply.error(404, "no such user: " + aor.aor()));
            }
            Account account = found.get();
            String from = rules.siteName(account.homeSite());
            if (account.homeSite().equals(to)) {
                return done(reply(call, 200, aor.aor() + " is at site " + from + " already", account));
            }
            java.util.Optional<String> refused =
                    siteRefusal.apply(account.homeSite()).or(() -> siteRefusal.apply(to));
            if (refused.isPresent()) {
                return done(Reply.unavailable(refused.get(), BRANCH_RETRY_AFTER));
            }
            Account moved = account.withHomeSite(to);
            return store.put(moved)
                    .thenApply(ok -> reply(
                            call,
                            200,
                            "moved " + aor.aor() + " from site " + from + " to " + rules.siteName(to),
                            moved));
        });
    }

    private Reply reply(Call call, int status, String text, Account account) {
        return call.wantsText()
                ? Reply.text(status, text + "\n")
                : Reply.json(status, Json.write(accountJson(account, rules)));
    }

    public CompletionStage<Reply> importCsv(Call call) {
        if (!"POST".equals(call.method())) {
            return done(Reply.methodNotAllowed("POST", "POST a CSV body with header uri,password,display_name,phone"));
        }
        UserCsv.Result result = new UserCsv(rules).parse(call.body());
        if (result instanceof UserCsv.Rejected rejected) {
            return done(Reply.error(400, rejected.reason()));
        }
        return orbitRanges
                .list()
                .thenCompose(ranges -> importRows(call, withOrbitConflicts((UserCsv.Parsed) result, ranges)));
    }

    /** A user part or phone number that is an orbit of a range: why the user cannot be added, or empty. */
    private static java.util.Optional<String> orbitConflict(Account a, List<OrbitRange> ranges) {
        return OrbitRules.userConflict(new UserNumber(a.aor(), a.user(), a.phone()), ranges);
    }

    /**
     * The rows, those of users whose numbers are orbits turned into rejected rows naming the rule, and those of
     * users homed at a branch that does not answer now into rows naming why (BranchChanges).
     */
    private UserCsv.Parsed withOrbitConflicts(UserCsv.Parsed parsed, List<OrbitRange> ranges) {
        List<UserCsv.Row> rows = new ArrayList<>();
        for (UserCsv.Row row : parsed.rows()) {
            if (row.outcome() instanceof Validation.Valid<AccountDraft> ok) {
                Account account = ok.value().toAccount(clock.instant());
                // a row homed at a branch that does not answer is rejected (BranchChanges); the import does not
                // read the accounts it replaces, so a row re-homing such a user at a site that answers is written
                java.util.Optional<String> refused =
                        siteRefusal.apply(account.homeSite()).or(() -> orbitConflict(account, ranges));
                if (refused.isPresent()) {
                    rows.add(new UserCsv.Row(row.line(), new Validation.Invalid<>(refused.get())));
                    continue;
                }
            }
            rows.add(row);
        }
        return new UserCsv.Parsed(rows);
    }

    private CompletionStage<Reply> importRows(Call call, UserCsv.Parsed parsed) {
        List<AccountDraft> valid = parsed.valid();
        // Writes go out concurrently but bounded, so a 100k-row import does not flood the driver.
        return writeAll(valid, 0, 64).thenApply(ignored -> {
            List<Map<String, Object>> errors = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            text.append("imported ")
                    .append(valid.size())
                    .append(" users, ")
                    .append(parsed.invalid().size())
                    .append(" rows rejected\n");
            for (UserCsv.Row row : parsed.invalid()) {
                String reason = ((Validation.Invalid<AccountDraft>) row.outcome()).reason();
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("line", row.line());
                error.put("error", reason);
                errors.add(error);
                text.append("line ")
                        .append(row.line())
                        .append(": ")
                        .append(reason)
                        .append('\n');
            }
            int status = valid.isEmpty() && !parsed.invalid().isEmpty() ? 400 : 200;
            // The count in a header too, so a script (the CLI) can tell a partial import from a full one.
            Map<String, String> headers = Map.of(
                    REJECTED_ROWS_HEADER, Integer.toString(parsed.invalid().size()));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("imported", valid.size());
            body.put("rejected", errors);
            return call.wantsText()
                    ? new Reply(status, "text/plain; charset=utf-8", text.toString(), headers)
                    : new Reply(status, "application/json", Json.write(body), headers);
        });
    }

    private CompletionStage<Void> writeAll(List<AccountDraft> drafts, int from, int batch) {
        if (from >= drafts.size()) {
            return CompletableFuture.completedFuture(null);
        }
        int to = Math.min(drafts.size(), from + batch);
        CompletableFuture<?>[] writes = new CompletableFuture<?>[to - from];
        for (int i = from; i < to; i++) {
            writes[i - from] =
                    store.put(drafts.get(i).toAccount(clock.instant())).toCompletableFuture();
        }
        return CompletableFuture.allOf(writes).thenCompose(v -> writeAll(drafts, to, batch));
    }

    private CompletionStage<Reply> list(Call call) {
        String domain = call.param("domain");
        List<String> which = domain == null ? domains : List.of(domain.toLowerCase(java.util.Locale.ROOT));
        List<Account> all = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (String d : which) {
            chain = chain.thenCompose(v -> listDomain(d, null, all));
        }
        return chain.thenApply(v -> {
            if (call.wantsText()) {
                // the site before the phone, so the phone (often empty) stays the line's end
                StringBuilder b =
                        new StringBuilder(String.format("%-40s %-30s %-16s %s%n", "URI", "NAME", "SITE", "PHONE"));
                for (Account a : all) {
                    b.append(String.format(
                            "%-40s %-30s %-16s %s%n",
                            a.aor(), a.displayName(), rules.siteName(a.homeSite()), a.phone()));
                }
                return Reply.text(200, b.toString());
            }
            return Reply.json(
                    200, Json.write(all.stream().map(a -> accountJson(a, rules)).toList()));
        });
    }

    private CompletionStage<Void> listDomain(String domain, String after, List<Account> into) {
        return store.list(domain, after, PAGE).thenCompose(page -> {
            into.addAll(page.accounts());
            return page.next().isPresent()
                    ? listDomain(domain, page.next().get(), into)
                    : CompletableFuture.<Void>completedFuture(null);
        });
    }

    static Map<String, Object> accountJson(Account a, AccountRules rules) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uri", a.aor());
        m.put("display_name", a.displayName());
        m.put("phone", a.phone());
        m.put("created_at", a.createdAt().toString());
        m.put("site", rules.siteName(a.homeSite()));
        return m;
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
