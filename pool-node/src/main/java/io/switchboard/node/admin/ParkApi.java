package io.switchboard.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.accounts.domain.Account;
import io.switchboard.accounts.store.AccountPage;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.park.domain.OrbitDecision;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitRule;
import io.switchboard.park.domain.OrbitRules;
import io.switchboard.park.domain.ParkSettings;
import io.switchboard.park.domain.ParkedCall;
import io.switchboard.park.domain.RangeOverrides;
import io.switchboard.park.domain.UserNumber;
import io.switchboard.park.store.OrbitRanges;
import io.switchboard.park.store.ParkedCallStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@value #PREFIX}: the call park orbit ranges. GET lists them (with the settings each one uses),
 * POST adds one, {@code DELETE /api/park/orbits/NAME} removes one. A POST body is JSON:
 * <pre>{"name":"lobby","range":"#900-#950","pickupTimeout":45,"maxPickupAttempts":2,"onTimeoutUri":"sip:operator@example.test"}</pre>
 * where the last three are optional (seconds; absent: the pool's {@code switchboard.park} value).
 * A range that breaks a rule by itself is 400, one that conflicts with another range or with a
 * user's number 409; both name the rule ({@code "(rule no-overlap)"}) and store nothing.
 *
 * <p>{@value #CALLS}: GET lists the calls waiting in orbits, pool-wide, by range and orbit;
 * {@code GET /api/park/calls/ORBIT} (a {@code #} escaped as {@code %23}) shows the call waiting at
 * one orbit, with its timeouts and the node holding the caller's leg; 404 when none waits there.
 */
public final class ParkApi {

    public static final String PREFIX = "/api/park/orbits";
    public static final String CALLS = "/api/park/calls";

    private static final List<String> FIELDS =
            List.of("name", "range", "pickupTimeout", "maxPickupAttempts", "onTimeoutUri");

    private final OrbitRanges ranges;
    private final AccountStore accounts;
    private final List<String> domains;
    private final ParkSettings defaults;
    private final ParkedCallStore parked;

    public ParkApi(
            OrbitRanges ranges,
            AccountStore accounts,
            List<String> domains,
            ParkSettings defaults,
            ParkedCallStore parked) {
        this.parked = parked;
        this.ranges = ranges;
        this.accounts = accounts;
        this.domains = List.copyOf(domains);
        this.defaults = defaults;
    }

    /** Serves {@value #PREFIX} and the ranges below it on {@code server} (admin token). */
    public void register(AdminServer server) {
        server.secureTree(PREFIX, this::orbits);
        server.secureTree(CALLS, this::calls);
    }

    CompletionStage<Reply> calls(Call call) {
        String rest = call.path().substring(CALLS.length());
        if (rest.startsWith("/") && rest.length() > 1 && rest.indexOf('/', 1) < 0) {
            if (!call.method().equals("GET")) {
                return done(Reply.methodNotAllowed("GET", "Use GET to show a parked call"));
            }
            return showCall(call, rest.substring(1));
        }
        if (!call.path().equals(CALLS) && !call.path().equals(CALLS + "/")) {
            return done(Reply.error(404, "no such resource: " + call.path()));
        }
        if (!call.method().equals("GET")) {
            return done(Reply.methodNotAllowed("GET", "Use GET to list parked calls"));
        }
        // the node holding each caller's leg, as `park show` prints it (one small read: the holders)
        return parked.all().thenCombine(parked.holders(), (all, holders) -> {
            List<Map.Entry<String, ParkedCall>> list = new ArrayList<>(all.entrySet());
            list.sort(java.util.Comparator.comparing(
                            (Map.Entry<String, ParkedCall> e) -> e.getValue().rangeName())
                    .thenComparing(e -> e.getValue().orbit()));
            if (call.wantsText()) {
                if (list.isEmpty()) {
                    return Reply.text(200, "no parked calls\n");
                }
                StringBuilder b = new StringBuilder(String.format(
                        "%-20s %-12s %-32s %-32s %-30s %-30s %s%n",
                        "RANGE", "ORBIT", "CALLER", "PARKED BY", "PARKED AT", "DEADLINE", "NODE"));
                for (var e : list) {
                    ParkedCall c = e.getValue();
                    b.append(String.format(
                            "%-20s %-12s %-32s %-32s %-30s %-30s %s%n",
                            c.rangeName(),
                            c.orbit(),
                            c.caller().shown(),
                            c.parker(),
                            c.parkedAt(),
                            c.deadline(),
                            holders.getOrDefault(e.getKey(), "-")));
                }
                return Reply.text(200, b.toString());
            }
            List<Object> out = new ArrayList<>();
            for (var e : list) {
                ParkedCall c = e.getValue();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("parkId", e.getKey());
                m.put("range", c.rangeName());
                m.put("orbit", c.orbit().toString());
                m.put("parker", c.parker());
                m.put("caller", c.caller().uri());
                m.put("callerName", c.caller().displayName());
                m.put("parkedAt", c.parkedAt().toString());
                m.put("deadline", c.deadline().toString());
                m.put("ringBacks", c.ringBacks());
                m.put("node", holders.get(e.getKey()));
                out.add(m);
            }
            return Reply.json(200, Json.write(Map.of("calls", out)));
        });
    }

    /** The call waiting at {@code orbit} (as dialed: {@code #905}, {@code *905} and {@code 905} differ). */
    private CompletionStage<Reply> showCall(Call call, String orbit) {
        return parked.all().thenCompose(all -> {
            var found = all.entrySet().stream()
                    .filter(e -> e.getValue().orbit().toString().equals(orbit))
                    .findFirst();
            if (found.isEmpty()) {
                return done(Reply.error(404, "no call parked at " + orbit));
            }
            String parkId = found.get().getKey();
            ParkedCall c = found.get().getValue();
            return parked.hold(parkId).thenApply(hold -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("parkId", parkId);
                m.put("range", c.rangeName());
                m.put("orbit", c.orbit().toString());
                m.put("parker", c.parker());
                m.put("caller", c.caller().uri());
                m.put("callerName", c.caller().displayName());
                m.put("callerAssertedId", c.caller().assertedIdentity().orElse(null));
                m.put("parkedAt", c.parkedAt().toString());
                m.put("deadline", c.deadline().toString());
                m.put("ringBacks", c.ringBacks());
                m.put("pickupTimeout", c.settings().pickupTimeout().toSeconds());
                m.put("maxPickupAttempts", c.settings().maxPickupAttempts());
                m.put("onTimeoutUri", c.settings().onTimeoutUri().orElse(null));
                m.put("node", hold.map(h -> h.holder()).orElse(null));
                m.put("transport", hold.map(h -> h.transport()).orElse(null));
                m.put(
                        "callerMedia",
                        hold.map(h -> h.callerHost() + ":" + h.callerPort()).orElse(null));
                if (!call.wantsText()) {
                    return Reply.json(200, Json.write(m));
                }
                StringBuilder b = new StringBuilder();
                m.forEach((k, v) -> b.append(String.format("%-18s %s%n", k, v == null ? "-" : v)));
                return Reply.text(200, b.toString());
            });
        });
    }

    CompletionStage<Reply> orbits(Call call) {
        String rest = call.path().substring(PREFIX.length());
        if (!rest.isEmpty() && !rest.startsWith("/")) {
            // the HTTP server matches contexts by prefix: /api/park/orbitsX is not ours
            return done(Reply.error(404, "no such resource: " + call.path()));
        }
        if (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.isEmpty()) {
            return switch (call.method()) {
                case "GET" -> ranges.list().thenApply(list -> show(call, list));
                case "POST" -> add(call);
                default ->
                    done(Reply.methodNotAllowed(
                            "GET, POST", "Use GET to list or POST to add orbit ranges; DELETE " + PREFIX + "/NAME"));
            };
        }
        if (rest.contains("/")) {
            return done(Reply.error(404, "no such resource: " + call.path() + " (give " + PREFIX + "/NAME)"));
        }
        String name = rest;
        if (!call.method().equals("DELETE")) {
            return done(Reply.methodNotAllowed("DELETE", "Use DELETE to remove an orbit range"));
        }
        return ranges.remove(name).thenApply(removed -> {
            if (!removed) {
                return Reply.error(404, "no orbit range named " + name);
            }
            return call.wantsText()
                    ? Reply.text(200, "removed orbit range " + name + "\n")
                    : Reply.json(200, Json.write(Map.of("removed", name)));
        });
    }

    private CompletionStage<Reply> add(Call call) {
        Object parsed = parseBody(call.body());
        if (parsed instanceof String error) {
            return done(Reply.error(400, error));
        }
        OrbitRules.Request request = (OrbitRules.Request) parsed;
        // Check the range by itself first: a broken one is refused without reading every account.
        OrbitDecision own = OrbitRules.validate(request);
        if (own instanceof OrbitDecision.Rejected rejected) {
            return done(refusal(rejected));
        }
        return userNumbers()
                .thenCompose(numbers -> ranges.add(request, numbers))
                .thenApply(decision -> {
                    if (decision instanceof OrbitDecision.Rejected rejected) {
                        return refusal(rejected);
                    }
                    OrbitRange range = ((OrbitDecision.Accepted) decision).range();
                    return call.wantsText()
                            ? Reply.text(
                                    201,
                                    "added orbit range " + range.name() + " " + range.text() + " (" + range.size()
                                            + " orbits)\n")
                            : Reply.json(201, Json.write(json(range)));
                });
    }

    /** The message ends with the rule, "(rule same-length)"; the CLI prints it as it is. */
    private static Reply refusal(OrbitDecision.Rejected r) {
        return Reply.error(r.rule().httpStatus(), r.message());
    }

    /** The body as a request, or the message saying what is wrong with its shape. */
    static Object parseBody(String body) {
        if (body == null || body.isBlank()) {
            return "the body must be a JSON object, e.g. {\"name\":\"lobby\",\"range\":\"#900-#950\"}";
        }
        ObjectNode root;
        try {
            root = Json.parseObject(body);
        } catch (Json.Invalid e) {
            return e.getMessage();
        }
        List<String> names = new ArrayList<>();
        root.fieldNames().forEachRemaining(names::add);
        for (String key : names) {
            if (!FIELDS.contains(key)) {
                return "unknown field \"" + key + "\" (known: " + String.join(", ", FIELDS) + ")";
            }
        }
        JsonNode name = root.get("name");
        JsonNode range = root.get("range");
        if (name == null || !name.isTextual()) {
            return "name must be a string, e.g. \"lobby\"";
        }
        if (range == null || !range.isTextual()) {
            return "range must be a string, e.g. \"#900-#950\"";
        }
        JsonNode timeout = root.get("pickupTimeout");
        Optional<Duration> pickupTimeout = Optional.empty();
        if (timeout != null && !timeout.isNull()) {
            if (!timeout.isIntegralNumber()) {
                return "pickupTimeout must be a whole number of seconds (got " + timeout + ")";
            }
            pickupTimeout = Optional.of(Duration.ofSeconds(timeout.longValue()));
        }
        JsonNode attempts = root.get("maxPickupAttempts");
        Optional<Integer> maxAttempts = Optional.empty();
        if (attempts != null && !attempts.isNull()) {
            if (!attempts.isInt()) {
                return "maxPickupAttempts must be a whole number (got " + attempts + ")";
            }
            maxAttempts = Optional.of(attempts.intValue());
        }
        JsonNode uri = root.get("onTimeoutUri");
        Optional<String> onTimeout = Optional.empty();
        if (uri != null && !uri.isNull()) {
            if (!uri.isTextual()) {
                return "onTimeoutUri must be a string: a sip:, sips: or tel: URI";
            }
            onTimeout = uri.textValue().isBlank() ? Optional.empty() : Optional.of(uri.textValue());
        }
        return new OrbitRules.Request(
                name.textValue(), range.textValue(), new RangeOverrides(pickupTimeout, maxAttempts, onTimeout));
    }

    /**
     * The body {@code switchboard park orbit add} sends. Numbers go as numbers when they are
     * whole numbers and as text otherwise, so that the API (not the CLI) says what is wrong.
     */
    public static String addBody(String name, String range, String pickupTimeout, String attempts, String uri) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("range", range);
        if (pickupTimeout != null) {
            body.put(
                    "pickupTimeout", pickupTimeout.matches("-?\\d{1,9}") ? Long.valueOf(pickupTimeout) : pickupTimeout);
        }
        if (attempts != null) {
            body.put("maxPickupAttempts", attempts.matches("-?\\d{1,9}") ? Integer.valueOf(attempts) : attempts);
        }
        if (uri != null) {
            body.put("onTimeoutUri", uri);
        }
        return Json.write(body);
    }

    /**
     * Every user's user part and phone number, which no orbit may equal (rule
     * {@link OrbitRule#NO_USER_NUMBER}): all accounts of all domains, page by page.
     */
    private CompletionStage<List<UserNumber>> userNumbers() {
        CompletionStage<List<UserNumber>> all = CompletableFuture.completedFuture(new ArrayList<>());
        for (String domain : domains) {
            all = all.thenCompose(into -> page(domain, "", into));
        }
        return all;
    }

    private CompletionStage<List<UserNumber>> page(String domain, String after, List<UserNumber> into) {
        return accounts.list(domain, after, AccountStore.MAX_PAGE_SIZE).thenCompose((AccountPage p) -> {
            for (Account a : p.accounts()) {
                into.add(new UserNumber(a.aor(), a.user(), a.phone()));
            }
            return p.next().isPresent() ? page(domain, p.next().get(), into) : CompletableFuture.completedFuture(into);
        });
    }

    private Reply show(Call call, List<OrbitRange> list) {
        if (call.wantsText()) {
            if (list.isEmpty()) {
                return Reply.text(
                        200, "no orbit ranges (add one with: switchboard park orbit add NAME --range #900-#950)\n");
            }
            StringBuilder b = new StringBuilder(String.format(
                    "%-20s %-24s %7s %8s %8s %s%n", "NAME", "RANGE", "ORBITS", "TIMEOUT", "ATTEMPTS", "ON TIMEOUT"));
            for (OrbitRange r : list) {
                ParkSettings s = defaults.with(r.overrides());
                b.append(String.format(
                        "%-20s %-24s %7d %7ds %8d %s%n",
                        r.name(),
                        r.text(),
                        r.size(),
                        s.pickupTimeout().toSeconds(),
                        s.maxPickupAttempts(),
                        s.onTimeoutUri().orElse("(end the call)")));
            }
            return Reply.text(200, b.toString());
        }
        List<Object> out = new ArrayList<>();
        for (OrbitRange r : list) {
            out.add(json(r));
        }
        return Reply.json(200, Json.write(Map.of("ranges", out)));
    }

    /** A range with the settings it uses: its own overrides, else the pool's defaults. */
    private Map<String, Object> json(OrbitRange r) {
        ParkSettings s = defaults.with(r.overrides());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("range", r.text());
        m.put("orbits", r.size());
        m.put("pickupTimeout", s.pickupTimeout().toSeconds());
        m.put("maxPickupAttempts", s.maxPickupAttempts());
        m.put("onTimeoutUri", s.onTimeoutUri().orElse(null));
        List<String> own = new ArrayList<>();
        r.overrides().pickupTimeout().ifPresent(x -> own.add("pickupTimeout"));
        r.overrides().maxPickupAttempts().ifPresent(x -> own.add("maxPickupAttempts"));
        r.overrides().onTimeoutUri().ifPresent(x -> own.add("onTimeoutUri"));
        m.put("overrides", own);
        return m;
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
