package io.switchboard.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.accounts.domain.SipAddress;
import io.switchboard.accounts.domain.Validation;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.proxy.domain.CallSettings;
import io.switchboard.proxy.domain.CallSettingsEdit;
import io.switchboard.proxy.domain.CallSettingsRules;
import io.switchboard.proxy.domain.Forwarding;
import io.switchboard.proxy.store.CallSettingsStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code /api/call-settings?aor=sip:alice@example.test}: one user's simultaneous ring and call
 * forwarding. GET shows them, PUT replaces them all (what the body leaves out is off), PATCH
 * changes only what the body names, DELETE clears them. Bodies are JSON:
 * <pre>{"simRing":"+31 20 123 4567","forward":{"mode":"no-answer","target":"sip:voicemail@example.test","afterSeconds":25}}</pre>
 * {@code simRing} is a URI, a number, or {@code "off"} / null; {@code forward.mode} is
 * {@code off}, {@code immediate} or {@code no-answer}. A user without an account is 404; bad input
 * is 400 naming the field, and then nothing is stored.
 *
 * <p>Reads here bypass the node's settings cache ({@link CallSettingsStore#findLatest}): an
 * operator must see, and a PATCH must start from, what another node wrote a moment ago.
 */
public final class CallSettingsApi {

    private static final List<String> METHODS = List.of("GET", "PUT", "PATCH", "DELETE");
    static final String ALLOW = String.join(", ", METHODS);
    private static final List<String> FIELDS = List.of("simRing", "forward");
    private static final List<String> FORWARD_FIELDS = List.of("mode", "target", "afterSeconds");

    private final CallSettingsStore store;
    private final AccountStore accounts;
    private final Clock clock;

    private final java.util.function.Function<String, Optional<String>> siteRefusal;

    public CallSettingsApi(CallSettingsStore store, AccountStore accounts, Clock clock) {
        this(store, accounts, clock, site -> Optional.empty());
    }

    /**
     * @param siteRefusal why a user homed at a site (empty: the pool) cannot be changed now, or empty
     *                    ({@code BranchChanges}: her branch does not answer); a change is refused with 503
     */
    public CallSettingsApi(
            CallSettingsStore store,
            AccountStore accounts,
            Clock clock,
            java.util.function.Function<String, Optional<String>> siteRefusal) {
        this.siteRefusal = siteRefusal;
        this.store = store;
        this.accounts = accounts;
        this.clock = clock;
    }

    public CompletionStage<Reply> callSettings(Call call) {
        if (!METHODS.contains(call.method())) {
            return done(Reply.methodNotAllowed(
                    ALLOW,
                    "Use GET to show, PUT to replace, PATCH to change or DELETE to clear a user's call settings"));
        }
        Validation<SipAddress> address = SipAddress.parse(call.param("aor"));
        if (address instanceof Validation.Invalid<SipAddress> bad) {
            return done(Reply.error(400, "aor: " + bad.reason() + " (give ?aor=sip:user@domain)"));
        }
        SipAddress user = ((Validation.Valid<SipAddress>) address).value();
        String aor = user.aor();
        // Parse the body before any lookup: a bad request is answered the same whether the user exists or not.
        Optional<CallSettingsEdit> edit = Optional.empty();
        if (call.method().equals("PUT") || call.method().equals("PATCH")) {
            Validation<CallSettingsEdit> parsed = parseBody(call.body());
            if (parsed instanceof Validation.Invalid<CallSettingsEdit> bad) {
                return done(Reply.error(400, bad.reason()));
            }
            edit = Optional.of(((Validation.Valid<CallSettingsEdit>) parsed).value());
        }
        Optional<CallSettingsEdit> change = edit;
        return accounts.find(user.domain(), user.user()).thenCompose(account -> {
            if (account.isEmpty()) {
                return done(Reply.error(404, "no user " + aor + " (add it with: switchboard user add)"));
            }
            Optional<String> refused = call.method().equals("GET")
                    ? Optional.empty()
                    : siteRefusal.apply(account.get().homeSite());
            if (refused.isPresent()) {
                return done(Reply.unavailable(refused.get(), UsersApi.BRANCH_RETRY_AFTER));
            }
            return switch (call.method()) {
                case "GET" ->
                    store.findLatest(aor)
                            .thenApply(found -> show(call, 200, found.orElseGet(() -> CallSettings.none(aor))));
                case "PUT" -> save(call, CallSettings.none(aor), change.orElseThrow());
                case "PATCH" ->
                    store.findLatest(aor)
                            .thenCompose(found ->
                                    save(call, found.orElseGet(() -> CallSettings.none(aor)), change.orElseThrow()));
                default ->
                    store.delete(aor)
                            .thenApply(ok -> call.wantsText()
                                    ? Reply.text(200, "cleared the call settings of " + aor + "\n")
                                    : Reply.json(200, json(CallSettings.none(aor))));
            };
        });
    }

    private CompletionStage<Reply> save(Call call, CallSettings current, CallSettingsEdit edit) {
        Validation<CallSettings> next = CallSettingsRules.apply(current, edit, clock.instant());
        if (next instanceof Validation.Invalid<CallSettings> bad) {
            return done(Reply.error(400, bad.reason()));
        }
        CallSettings settings = ((Validation.Valid<CallSettings>) next).value();
        return store.put(settings).thenApply(ok -> show(call, 200, settings));
    }

    /** Reads the JSON body into an edit; only shapes and types are checked here, values by {@link CallSettingsRules}. */
    static Validation<CallSettingsEdit> parseBody(String body) {
        if (body == null || body.isBlank()) {
            return Validation.invalid(
                    "the body must be a JSON object, e.g. "
                            + "{\"simRing\":\"+31201234567\",\"forward\":{\"mode\":\"immediate\",\"target\":\"sip:bob@example.test\"}}");
        }
        ObjectNode root;
        try {
            root = Json.parseObject(body);
        } catch (Json.Invalid e) {
            return Validation.invalid(e.getMessage());
        }
        for (String key : fieldNames(root)) {
            if (!FIELDS.contains(key)) {
                return Validation.invalid("unknown field \"" + key + "\" (known: simRing, forward)");
            }
        }
        CallSettingsEdit edit = CallSettingsEdit.NOTHING;
        JsonNode simRing = root.get("simRing");
        if (simRing != null) {
            if (simRing.isNull()) {
                edit = edit.withSimRing(CallSettingsRules.OFF);
            } else if (simRing.isTextual()) {
                edit = edit.withSimRing(simRing.textValue());
            } else {
                return Validation.invalid("simRing must be a string: a sip: URI, an E.164 number or \"off\"");
            }
        }
        JsonNode forward = root.get("forward");
        if (forward == null) {
            return Validation.valid(edit);
        }
        if (forward.isNull()) {
            return Validation.valid(edit.withForwardMode(CallSettingsRules.OFF));
        }
        if (!(forward instanceof ObjectNode f)) {
            return Validation.invalid(
                    "forward must be an object: {\"mode\":\"off|immediate|no-answer\",\"target\":...,\"afterSeconds\":...}");
        }
        for (String key : fieldNames(f)) {
            if (!FORWARD_FIELDS.contains(key)) {
                return Validation.invalid("unknown field \"forward." + key
                        + "\" (known: forward.mode, forward.target, forward.afterSeconds)");
            }
        }
        JsonNode mode = f.get("mode");
        if (mode != null) {
            if (!mode.isTextual()) {
                return Validation.invalid("forward.mode must be a string: off, immediate or no-answer");
            }
            edit = edit.withForwardMode(mode.textValue());
        }
        JsonNode target = f.get("target");
        if (target != null) {
            if (!target.isTextual()) {
                return Validation.invalid("forward.target must be a string: a sip: URI or an E.164 number");
            }
            edit = edit.withForwardTarget(target.textValue());
        }
        JsonNode after = f.get("afterSeconds");
        if (after != null) {
            if (!after.isInt() && !after.isLong()) {
                return Validation.invalid("forward.afterSeconds must be a whole number of seconds (got " + after + ")");
            }
            edit = edit.withForwardAfterSeconds(after.longValue());
        }
        return Validation.valid(edit);
    }

    private static List<String> fieldNames(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * The body {@code switchboard call-settings set} sends as a PATCH: only the options given.
     * {@code afterSeconds} goes as a number when it is one and as text otherwise, so that the API
     * (not the CLI) says what is wrong with it.
     */
    public static String editBody(String simRing, String mode, String target, String afterSeconds) {
        Map<String, Object> forward = new LinkedHashMap<>();
        if (mode != null) {
            forward.put("mode", mode);
        }
        if (target != null) {
            forward.put("target", target);
        }
        if (afterSeconds != null) {
            forward.put("afterSeconds", afterSeconds.matches("-?\\d{1,9}") ? Long.valueOf(afterSeconds) : afterSeconds);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (simRing != null) {
            body.put("simRing", simRing);
        }
        if (!forward.isEmpty()) {
            body.put("forward", forward);
        }
        return Json.write(body);
    }

    private static Reply show(Call call, int status, CallSettings s) {
        return call.wantsText() ? Reply.text(status, text(s)) : Reply.json(status, json(s));
    }

    static String json(CallSettings s) {
        Map<String, Object> forward = new LinkedHashMap<>();
        forward.put("mode", s.forwarding().mode());
        s.forwarding().targetIfAny().ifPresent(t -> forward.put("target", t));
        if (s.forwarding() instanceof Forwarding.NoAnswer n) {
            forward.put("afterSeconds", n.after().toSeconds());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("aor", s.aor());
        m.put("simRing", s.simRing().orElse(null));
        m.put("forward", forward);
        m.put(
                "updatedAt",
                s.updatedAt().equals(Instant.EPOCH) ? null : s.updatedAt().toString());
        return Json.write(m);
    }

    static String text(CallSettings s) {
        String forwarding = "off";
        if (s.forwarding() instanceof Forwarding.Immediate i) {
            forwarding = "immediately to " + i.target();
        } else if (s.forwarding() instanceof Forwarding.NoAnswer n) {
            forwarding = "after " + n.after().toSeconds() + " s without answer to " + n.target();
        }
        return s.aor() + "\n"
                + "  simultaneous ring: " + s.simRing().orElse("off") + "\n"
                + "  forwarding:        " + forwarding + "\n"
                + "  updated:           "
                + (s.updatedAt().equals(Instant.EPOCH) ? "never" : s.updatedAt().toString()) + "\n";
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
