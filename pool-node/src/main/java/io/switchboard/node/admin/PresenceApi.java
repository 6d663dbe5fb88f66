package io.switchboard.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.accounts.domain.SipAddress;
import io.switchboard.accounts.domain.Validation;
import io.switchboard.accounts.store.AccountStore;
import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.admin.AdminServer.UserAuthenticator;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.AccessRules;
import io.switchboard.presence.domain.Checked;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.ContactListRules;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.entity.PresenceAdmin;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A user's presence, access levels for watchers and contact list, for operators under
 * {@value #ADMIN_PREFIX}{@code /{aor}} (admin token) and for the user themself under
 * {@value #USER_PREFIX} (HTTP Digest with their SIP credentials, {@link HttpDigestAuthenticator}):
 * <pre>
 * GET                {aor}                   the full view; ?watcher=AOR: what that watcher sees
 * GET                {aor}/access            the explicit levels and the defaults
 * GET, PUT, DELETE   {aor}/access/{key}      one watcher AOR or domain: its level; PUT {"level":"workgroup"}
 * GET                {aor}/contacts          the contact list
 * GET, PUT, DELETE   {aor}/contacts/{uri}    one contact; PUT {"name":"Bob","groups":["Team"]} adds or replaces it
 * </pre>
 * The user's paths are the same without {@code {aor}}. Path segments are percent-decoded one by one
 * ({@code +} stays a plus: it starts E.164 user parts). Every change goes through
 * {@link PresenceAdmin}, that is through the owner's presence entity, which re-notifies watchers.
 * Bad input is 400 naming the field, and nothing changes; an unknown user is 404.
 */
public final class PresenceApi {

    public static final String ADMIN_PREFIX = "/api/presence";
    public static final String USER_PREFIX = "/user/presence";

    private static final String LEVELS =
            Arrays.stream(AccessLevel.values()).map(AccessLevel::token).collect(Collectors.joining(", "));

    private final PresenceAdmin presence;
    private final AccountStore accounts;
    private final Set<String> enterpriseDomains;

    /**
     * @param domains the pool's domains: watchers from them default to Colleagues, everyone else to External
     */
    public PresenceApi(PresenceAdmin presence, AccountStore accounts, List<String> domains) {
        this.presence = presence;
        this.accounts = accounts;
        this.enterpriseDomains =
                domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** Serves {@value #ADMIN_PREFIX} (admin token) and {@value #USER_PREFIX} (users, by {@code users}) on {@code server}. */
    public void register(AdminServer server, UserAuthenticator users) {
        server.secureTree(ADMIN_PREFIX, this::admin);
        server.userTree(USER_PREFIX, users, this::user);
    }

    private enum Kind {
        VIEW,
        ACCESS,
        ACCESS_ENTRY,
        CONTACTS,
        CONTACT
    }

    /** What a path names below the owner: {@code key} is the decoded watcher key or contact URI. */
    private record Target(Kind kind, String key) {
        List<String> methods() {
            return switch (kind) {
                case VIEW, ACCESS, CONTACTS -> List.of("GET");
                case ACCESS_ENTRY, CONTACT -> List.of("GET", "PUT", "DELETE");
            };
        }
    }

    /** {@value #ADMIN_PREFIX}{@code /{aor}/...} */
    public CompletionStage<Reply> admin(Call call) {
        List<String> segments = segments(call.rawPath(), ADMIN_PREFIX);
        if (segments == null) {
            return done(Reply.error(400, "the path has a malformed %-escape"));
        }
        if (segments.isEmpty()) {
            return done(Reply.error(404, "Give a user: " + ADMIN_PREFIX + "/sip:user@domain[/access|/contacts]"));
        }
        Validation<SipAddress> address = SipAddress.parse(segments.get(0));
        if (address instanceof Validation.Invalid<SipAddress> bad) {
            return done(Reply.error(400, "aor: " + bad.reason() + " (give " + ADMIN_PREFIX + "/sip:user@domain)"));
        }
        SipAddress user = ((Validation.Valid<SipAddress>) address).value();
        return serve(
                call,
                user.aor(),
                segments.subList(1, segments.size()),
                ADMIN_PREFIX + "/" + user.aor(),
                () -> accounts.find(user.domain(), user.user())
                        .thenApply(found -> found.isPresent()
                                ? null
                                : Reply.error(404, "no user " + user.aor() + " (add it with: switchboard user add)")));
    }

    /** {@value #USER_PREFIX}{@code /...} for the authenticated user (AdminServer has set {@link Call#user}). */
    public CompletionStage<Reply> user(Call call) {
        if (call.user() == null) {
            throw new IllegalStateException(USER_PREFIX + " must be served through AdminServer.userTree");
        }
        List<String> segments = segments(call.rawPath(), USER_PREFIX);
        if (segments == null) {
            return done(Reply.error(400, "the path has a malformed %-escape"));
        }
        return serve(call, call.user(), segments, USER_PREFIX, () -> done(null));
    }

    /**
     * Checks path, method and input in that order, then (only for a well-formed request) that the
     * owner exists ({@code ownerCheck} answers null when it does), then acts.
     */
    private CompletionStage<Reply> serve(
            Call call, String owner, List<String> below, String base, Supplier<CompletionStage<Reply>> ownerCheck) {
        Target target = target(below);
        if (target == null) {
            return done(Reply.error(
                    404,
                    "No such presence resource: " + call.path() + " (known: " + base + ", " + base
                            + "/access[/{watcher-or-domain}], " + base + "/contacts[/{sip-uri}])"));
        }
        if (!target.methods().contains(call.method())) {
            return done(Reply.methodNotAllowed(
                    String.join(", ", target.methods()),
                    call.method() + " is not served here; use " + String.join(", ", target.methods())));
        }
        Prepared prepared = prepare(call, owner, target);
        if (prepared.bad() != null) {
            return done(prepared.bad());
        }
        return ownerCheck
                .get()
                .thenCompose(missing ->
                        missing != null ? done(missing) : prepared.action().get());
    }

    /** Either the 400 for bad input, or what to do once the owner is known to exist. */
    private record Prepared(Reply bad, Supplier<CompletionStage<Reply>> action) {
        static Prepared refuse(String reason) {
            return new Prepared(Reply.error(400, reason), null);
        }

        static Prepared to(Supplier<CompletionStage<Reply>> action) {
            return new Prepared(null, action);
        }
    }

    private Prepared prepare(Call call, String owner, Target target) {
        String method = call.method();
        switch (target.kind()) {
            case VIEW -> {
                String watcherParam = call.param("watcher");
                if (watcherParam == null) {
                    return Prepared.to(() -> answer(presence.presence(owner, null), v -> view(call, v, null)));
                }
                Checked<String> watcher = ContactListRules.canonicalUri("watcher", watcherParam);
                if (watcher instanceof Checked.Invalid<String> bad) {
                    return Prepared.refuse(bad.reason());
                }
                String w = ((Checked.Ok<String>) watcher).value();
                return Prepared.to(() -> answer(presence.presence(owner, w), v -> view(call, v, w)));
            }
            case ACCESS -> {
                return Prepared.to(() -> answer(presence.access(owner), p -> access(call, owner, p)));
            }
            case ACCESS_ENTRY -> {
                Checked<String> key = AccessRules.canonicalKey(owner, target.key());
                if (key instanceof Checked.Invalid<String> bad) {
                    return Prepared.refuse(bad.reason());
                }
                String k = ((Checked.Ok<String>) key).value();
                if (method.equals("GET")) {
                    return Prepared.to(() -> answer(presence.access(owner), p -> entry(call, owner, k, p)));
                }
                if (method.equals("DELETE")) {
                    return Prepared.to(() -> answer(presence.setAccess(owner, k, null), p -> access(call, owner, p)));
                }
                Checked<LevelChange> level = parseLevel(call.body());
                if (level instanceof Checked.Invalid<LevelChange> bad) {
                    return Prepared.refuse(bad.reason());
                }
                LevelChange l = ((Checked.Ok<LevelChange>) level).value();
                if (l.endSubscriptions()) {
                    if (l.level() != AccessLevel.BLOCKED
                            || io.switchboard.presence.domain.AccessPolicy.isDomainKey(k)) {
                        return Prepared.refuse("end-subscriptions needs level \"blocked\" and a watcher's sip: URI");
                    }
                    return Prepared.to(() -> answer(presence.revoke(owner, k), p -> access(call, owner, p)));
                }
                return Prepared.to(() -> answer(presence.setAccess(owner, k, l.level()), p -> access(call, owner, p)));
            }
            case CONTACTS -> {
                return Prepared.to(() -> answer(presence.contacts(owner), list -> contacts(call, list)));
            }
            case CONTACT -> {
                if (!method.equals("PUT")) {
                    Checked<String> uri = ContactListRules.canonicalUri("uri", target.key());
                    if (uri instanceof Checked.Invalid<String> bad) {
                        return Prepared.refuse(bad.reason());
                    }
                    String u = ((Checked.Ok<String>) uri).value();
                    if (method.equals("DELETE")) {
                        return Prepared.to(
                                () -> answer(presence.removeContact(owner, u), list -> contacts(call, list)));
                    }
                    return Prepared.to(() -> answer(
                            presence.contacts(owner),
                            list -> list.find(u)
                                    .map(c -> call.wantsText()
                                            ? Reply.text(200, contactLine(c))
                                            : Reply.json(200, Json.write(contactJson(c))))
                                    .orElseGet(() -> Reply.error(404, u + " is not on the contact list of " + owner))));
                }
                Checked<Contact> contact =
                        parseContact(target.key(), call.body()).flatMap(c -> ContactListRules.checkContact(owner, c));
                if (contact instanceof Checked.Invalid<Contact> bad) {
                    return Prepared.refuse(bad.reason());
                }
                Contact c = ((Checked.Ok<Contact>) contact).value();
                return Prepared.to(() -> answer(presence.putContact(owner, c), list -> contacts(call, list)));
            }
            default -> throw new IllegalStateException(target.kind().toString());
        }
    }

    /**
     * The reply for a completed stage; a {@link PresenceAdmin.Rejected} edit is the client's fault
     * (400 with its reasons), any other failure goes on to AdminServer (503).
     */
    private static <T> CompletionStage<Reply> answer(CompletionStage<T> stage, Function<T, Reply> reply) {
        return stage.handle((value, failure) -> {
                    if (failure == null) {
                        return done(reply.apply(value));
                    }
                    for (Throwable t = failure; t != null; t = t.getCause()) {
                        if (t instanceof PresenceAdmin.Rejected rejected) {
                            return done(Reply.error(400, rejected.getMessage()));
                        }
                    }
                    return CompletableFuture.<Reply>failedFuture(failure);
                })
                .thenCompose(Function.identity());
    }

    // --- bodies

    private static Checked<ObjectNode> parseObject(String body, String example) {
        if (body == null || body.isBlank()) {
            return Checked.invalid("the body must be a JSON object, e.g. " + example);
        }
        try {
            return Checked.ok(Json.parseObject(body));
        } catch (Json.Invalid e) {
            return Checked.invalid(e.getMessage());
        }
    }

    /**
     * A level to set; with {@code endSubscriptions} (only with blocked) the watcher's subscriptions
     * also end with {@code reason=rejected} (loss of authorization, RFC 6665 section 4.2.2), so it
     * learns it lost access, where plain blocked only shows it Offline.
     */
    private record LevelChange(AccessLevel level, boolean endSubscriptions) {}

    private static Checked<LevelChange> parseLevel(String body) {
        return parseObject(body, "{\"level\":\"workgroup\"}").flatMap(root -> {
            for (String key : fieldNames(root)) {
                if (!key.equals("level") && !key.equals("end-subscriptions")) {
                    return Checked.invalid("unknown field \"" + key + "\" (known: level, end-subscriptions)");
                }
            }
            JsonNode end = root.get("end-subscriptions");
            if (end != null && !end.isBoolean()) {
                return Checked.invalid("end-subscriptions must be true or false");
            }
            boolean endSubscriptions = end != null && end.booleanValue();
            JsonNode level = root.get("level");
            if (level == null || !level.isTextual()) {
                return Checked.invalid("level is missing: give one of " + LEVELS);
            }
            AccessLevel l = AccessLevel.ofToken(level.textValue());
            return l == null
                    ? Checked.invalid("level \"" + level.textValue() + "\" is not one of " + LEVELS)
                    : Checked.ok(new LevelChange(l, endSubscriptions));
        });
    }

    /** The contact {@code uri} with the body's name and groups; an empty body is a contact without either. */
    private static Checked<Contact> parseContact(String uri, String body) {
        if (body == null || body.isBlank()) {
            return Checked.ok(new Contact(uri, "", List.of()));
        }
        return parseObject(body, "{\"name\":\"Bob\",\"groups\":[\"Team\"]}").flatMap(root -> {
            for (String key : fieldNames(root)) {
                if (!key.equals("name") && !key.equals("groups")) {
                    return Checked.invalid("unknown field \"" + key + "\" (known: name, groups)");
                }
            }
            String name = "";
            JsonNode n = root.get("name");
            if (n != null && !n.isNull()) {
                if (!n.isTextual()) {
                    return Checked.invalid("name must be a string");
                }
                name = n.textValue();
            }
            List<String> groups = new ArrayList<>();
            JsonNode g = root.get("groups");
            if (g != null && !g.isNull()) {
                if (!g.isArray()) {
                    return Checked.invalid("groups must be a list of group names, e.g. [\"Team\"]");
                }
                for (int i = 0; i < g.size(); i++) {
                    if (!g.get(i).isTextual()) {
                        return Checked.invalid("groups[" + i + "] must be a string");
                    }
                    groups.add(g.get(i).textValue());
                }
            }
            return Checked.ok(new Contact(uri, name, groups));
        });
    }

    private static List<String> fieldNames(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The body {@code switchboard presence access ... set} sends. */
    public static String levelBody(String level) {
        return Json.write(Map.of("level", level));
    }

    /** The body {@code switchboard presence contacts ... add} sends. */
    public static String contactBody(String name, List<String> groups) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name == null ? "" : name);
        m.put("groups", List.copyOf(groups));
        return Json.write(m);
    }

    // --- answers

    private static Reply view(Call call, PresenceView v, String watcher) {
        if (call.wantsText()) {
            return Reply.text(
                    200,
                    v.entity() + (watcher == null ? " (full view)" : " as " + watcher + " sees it") + "\n"
                            + "  availability: " + v.availability().token() + " ("
                            + v.availability().number() + ")\n"
                            + "  activity:     " + orDash(v.activity()) + "\n"
                            + "  note:         " + orDash(v.note()) + "\n"
                            + "  phones:       " + (v.phones().isEmpty() ? "-" : String.join(", ", v.phones())) + "\n"
                            + "  since:        " + v.since() + "\n");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("entity", v.entity());
        m.put("watcher", watcher);
        m.put("availability", v.availability().token());
        m.put("availabilityNumber", v.availability().number());
        m.put("activity", v.activity());
        m.put("note", v.note());
        m.put("phones", List.copyOf(v.phones()));
        m.put("since", v.since().toString());
        return Reply.json(200, Json.write(m));
    }

    private Reply access(Call call, String owner, AccessPolicy p) {
        Map<String, AccessLevel> watchers = new java.util.TreeMap<>(p.byWatcher());
        Map<String, AccessLevel> domains = new java.util.TreeMap<>(p.byDomain());
        if (call.wantsText()) {
            StringBuilder b = new StringBuilder(owner).append(": access levels\n");
            b.append(String.format("  %-44s %s%n", "WATCHER OR DOMAIN", "LEVEL"));
            watchers.forEach((k, l) -> b.append(String.format("  %-44s %s%n", k, l.token())));
            domains.forEach((k, l) -> b.append(String.format("  %-44s %s%n", k, l.token())));
            b.append(String.format(
                    "  %-44s %s%n",
                    "(anyone else of " + String.join(", ", new java.util.TreeSet<>(enterpriseDomains)) + ")",
                    AccessLevel.COLLEAGUES.token() + " (default)"));
            b.append(String.format("  %-44s %s%n", "(anyone else)", AccessLevel.EXTERNAL.token() + " (default)"));
            return Reply.text(200, b.toString());
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("enterprise", AccessLevel.COLLEAGUES.token());
        defaults.put("others", AccessLevel.EXTERNAL.token());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        m.put("watchers", levels(watchers));
        m.put("domains", levels(domains));
        m.put("defaults", defaults);
        return Reply.json(200, Json.write(m));
    }

    private static Map<String, Object> levels(Map<String, AccessLevel> entries) {
        Map<String, Object> m = new LinkedHashMap<>();
        entries.forEach((k, l) -> m.put(k, l.token()));
        return m;
    }

    /** One key: the level set for it, or the level it gets by default and why. */
    private Reply entry(Call call, String owner, String key, AccessPolicy p) {
        boolean domain = AccessPolicy.isDomainKey(key);
        AccessLevel set = domain ? p.byDomain().get(key) : p.byWatcher().get(key);
        AccessLevel level;
        String source;
        if (set != null) {
            level = set;
            source = domain ? "domain" : "watcher";
        } else if (domain) {
            level = enterpriseDomains.contains(key) ? AccessLevel.COLLEAGUES : AccessLevel.EXTERNAL;
            source = "default";
        } else {
            level = p.levelFor(owner, key, enterpriseDomains);
            source = p.byDomain().containsKey(key.substring(key.indexOf('@') + 1)) ? "domain" : "default";
        }
        if (call.wantsText()) {
            return Reply.text(
                    200,
                    key + ": " + level.token()
                            + (source.equals("default")
                                    ? " (default)"
                                    : source.equals("domain") && !domain ? " (set for its domain)" : "")
                            + "\n");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        m.put("watcher", key);
        m.put("level", level.token());
        m.put("source", source);
        return Reply.json(200, Json.write(m));
    }

    private static Reply contacts(Call call, ContactList list) {
        if (call.wantsText()) {
            int n = list.contacts().size();
            StringBuilder b = new StringBuilder(list.owner())
                    .append(": ")
                    .append(n)
                    .append(n == 1 ? " contact\n" : " contacts\n");
            if (n > 0) {
                b.append(String.format("  %-40s %-30s %s%n", "URI", "NAME", "GROUPS"));
                list.contacts().forEach(c -> b.append("  ").append(contactLine(c)));
            }
            return Reply.text(200, b.toString());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", list.owner());
        m.put("contacts", list.contacts().stream().map(PresenceApi::contactJson).toList());
        m.put("groups", List.copyOf(list.groups()));
        return Reply.json(200, Json.write(m));
    }

    private static String contactLine(Contact c) {
        return String.format(
                "%-40s %-30s %s%n",
                c.uri(),
                c.displayName().isEmpty() ? "-" : c.displayName(),
                c.groups().isEmpty() ? "-" : String.join(", ", c.groups()));
    }

    private static Map<String, Object> contactJson(Contact c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uri", c.uri());
        m.put("name", c.displayName());
        m.put("groups", List.copyOf(c.groups()));
        return m;
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static Target target(List<String> below) {
        if (below.isEmpty()) {
            return new Target(Kind.VIEW, null);
        }
        String what = below.get(0);
        if (what.equals("access") || what.equals("contacts")) {
            boolean access = what.equals("access");
            if (below.size() == 1) {
                return new Target(access ? Kind.ACCESS : Kind.CONTACTS, null);
            }
            if (below.size() == 2 && !below.get(1).isEmpty()) {
                return new Target(access ? Kind.ACCESS_ENTRY : Kind.CONTACT, below.get(1));
            }
        }
        return null;
    }

    /** The decoded segments of {@code rawPath} below {@code prefix} (a trailing slash ignored); null if an escape is malformed. */
    static List<String> segments(String rawPath, String prefix) {
        String rest = rawPath.substring(prefix.length());
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        List<String> out = new ArrayList<>();
        if (rest.isEmpty()) {
            return out;
        }
        for (String raw : rest.substring(1).split("/", -1)) {
            try {
                out.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return out;
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
