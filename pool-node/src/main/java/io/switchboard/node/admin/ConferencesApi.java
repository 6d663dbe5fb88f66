package io.switchboard.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.conference.domain.AccessType;
import io.switchboard.conference.domain.Actor;
import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.ConferenceIds;
import io.switchboard.conference.domain.Expiry;
import io.switchboard.conference.domain.Participant;
import io.switchboard.conference.domain.ParticipantStatus;
import io.switchboard.conference.domain.Presenters;
import io.switchboard.conference.domain.Roster;
import io.switchboard.conference.entity.ConferenceEntity;
import io.switchboard.conference.entity.Conferences;
import io.switchboard.conference.store.ConferenceStore;
import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@value #PREFIX}: conferences for operators (admin token). GET lists them pool-wide; POST creates
 * one from a JSON body:
 * <pre>{"organizer":"sip:alice@example.test","subject":"Weekly","access":"company","invitees":[],
 * "presenters":[],"lobbyBypass":false,"limit":250,"end":"2026-12-05T12:00:00Z","keepDays":14}</pre>
 * (only {@code organizer} is required; without {@code end} the conference is ad hoc and expires
 * {@code graceMinutes}, default 60, after the last participant left). {@code GET PREFIX/ID} shows
 * one with its roster; {@code POST PREFIX/ID/lock}, {@code /unlock}, {@code /end};
 * {@code POST PREFIX/ID/participants/LEG/admit} and {@code /deny}; {@code DELETE
 * PREFIX/ID/participants/LEG} ejects. Every change goes through the conference's entity (stored
 * before the answer); refusals are the entity's 403/404 with its reason, bad input 400 naming the
 * field, nothing stored.
 */
public final class ConferencesApi {

    public static final String PREFIX = "/api/conferences";

    /**
     * The users' own tree (their SIP credentials over HTTP Digest, as {@code /user/presence}): the same
     * paths, with the user as organizer of what they create and as the actor of every change (the entity
     * decides what a user may do), and only the conferences they organize listed and shown.
     */
    public static final String USER_PREFIX = "/user/conferences";

    /** Who is asking: an operator through the admin token, or a user ({@code owner}) through HTTP Digest. */
    private record Side(String prefix, Actor actor, String owner) {}

    /** An operator-created ad-hoc conference lasts this long after the last participant left. */
    static final Duration DEFAULT_GRACE = Duration.ofMinutes(60);

    static final Duration DEFAULT_KEEP = Duration.ofDays(14);

    private static final List<String> FIELDS = List.of(
            "organizer",
            "subject",
            "access",
            "invitees",
            "presenters",
            "lobbyBypass",
            "limit",
            "end",
            "keepDays",
            "graceMinutes");

    private static final Actor OPERATOR = new Actor.Operator("admin-api");

    private final Conferences conferences;
    private final ConferenceStore store;
    private final Set<String> domains;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public ConferencesApi(Conferences conferences, ConferenceStore store, List<String> domains, Clock clock) {
        this.conferences = conferences;
        this.store = store;
        this.domains = Set.copyOf(domains);
        this.clock = clock;
    }

    public void register(AdminServer server) {
        server.secureTree(PREFIX, this::route);
    }

    /** Also {@value #USER_PREFIX}, for users authenticated by {@code users}. */
    public void register(AdminServer server, AdminServer.UserAuthenticator users) {
        register(server);
        server.userTree(
                USER_PREFIX,
                users,
                call -> route(call, new Side(USER_PREFIX, new Actor.User(call.user()), call.user())));
    }

    CompletionStage<Reply> route(Call call) {
        return route(call, new Side(PREFIX, OPERATOR, null));
    }

    private CompletionStage<Reply> route(Call call, Side side) {
        Actor actor = side.actor();
        String rest = call.path().substring(side.prefix().length());
        if (!rest.isEmpty() && !rest.startsWith("/")) {
            return done(Reply.error(404, "no such resource: " + call.path()));
        }
        List<String> parts = new ArrayList<>();
        for (String p : rest.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        if (parts.isEmpty()) {
            return switch (call.method()) {
                case "GET" -> list(call, side.owner());
                case "POST" -> create(call, side.owner());
                default -> done(Reply.methodNotAllowed("GET, POST", "Use GET to list or POST to create conferences"));
            };
        }
        String id = parts.get(0);
        if (!ConferenceIds.validId(id)) {
            return done(Reply.error(404, "no conference " + id + " (an id is 20 characters a-z, 2-7)"));
        }
        if (parts.size() == 1) {
            return call.method().equals("GET")
                    ? show(call, id, side.owner())
                    : done(Reply.methodNotAllowed("GET", "Use GET to show a conference"));
        }
        if (parts.size() == 2) {
            if (!call.method().equals("POST")) {
                return done(Reply.methodNotAllowed("POST", "Use POST for lock, unlock and end"));
            }
            return switch (parts.get(1)) {
                case "lock" -> change(call, id, r -> new ConferenceEntity.SetLocked(actor, true, r), "locked");
                case "unlock" -> change(call, id, r -> new ConferenceEntity.SetLocked(actor, false, r), "unlocked");
                case "end" -> change(call, id, r -> new ConferenceEntity.End(actor, r), "ended");
                default ->
                    done(Reply.error(
                            404, "no such action: " + parts.get(1) + " (lock, unlock, end, participants/LEG/admit)"));
            };
        }
        if (!parts.get(1).equals("participants") || parts.size() > 4) {
            return done(Reply.error(404, "no such resource: " + call.path()));
        }
        String leg = parts.get(2);
        if (parts.size() == 3) {
            return call.method().equals("DELETE")
                    ? change(call, id, r -> new ConferenceEntity.Eject(actor, leg, r), "ejected " + leg + " from")
                    : done(Reply.methodNotAllowed("DELETE", "Use DELETE to eject a participant"));
        }
        if (!call.method().equals("POST")) {
            return done(Reply.methodNotAllowed("POST", "Use POST to admit or deny"));
        }
        return switch (parts.get(3)) {
            case "admit" -> change(call, id, r -> new ConferenceEntity.Admit(actor, leg, r), "admitted " + leg + " to");
            case "deny" ->
                change(call, id, r -> new ConferenceEntity.Deny(actor, leg, r), "denied " + leg + " entry to");
            default -> done(Reply.error(404, "no such action: " + parts.get(3) + " (admit, deny)"));
        };
    }

    // ------------------------------------------------------------------ reading

    private CompletionStage<Reply> list(Call call, String owner) {
        return store.ids()
                .thenCompose(ids -> {
                    List<CompletableFuture<Optional<ConferenceStore.Stored>>> loads = new ArrayList<>();
                    for (String id : ids) {
                        loads.add(store.load(id).toCompletableFuture());
                    }
                    return CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new))
                            .thenApply(v -> {
                                Instant now = clock.instant();
                                List<ConferenceStore.Stored> live = new ArrayList<>();
                                for (var l : loads) {
                                    l.join()
                                            .filter(s -> !s.roster().ended()
                                                    && !s.conference().expired(s.roster(), now)
                                                    && (owner == null
                                                            || owner.equals(s.conference()
                                                                    .organizer())))
                                            .ifPresent(live::add);
                                }
                                live.sort(java.util.Comparator.comparing(
                                        s -> s.conference().createdAt()));
                                return live;
                            });
                })
                .thenApply(live -> {
                    if (call.wantsText()) {
                        if (live.isEmpty()) {
                            return Reply.text(200, "no conferences\n");
                        }
                        StringBuilder b = new StringBuilder(String.format(
                                "%-20s %-8s %-8s %-28s %5s %5s %-6s %s%n",
                                "ID", "NUMBER", "ACCESS", "ORGANIZER", "IN", "LOBBY", "LOCKED", "SUBJECT"));
                        for (var s : live) {
                            Conference c = s.conference();
                            b.append(String.format(
                                    "%-20s %-8s %-8s %-28s %5d %5d %-6s %s%n",
                                    c.id(),
                                    c.numericId(),
                                    c.access().name().toLowerCase(Locale.ROOT),
                                    c.organizer(),
                                    s.roster().connected(),
                                    s.roster().pending(),
                                    s.roster().locked() ? "yes" : "no",
                                    c.subject()));
                        }
                        return Reply.text(200, b.toString());
                    }
                    List<Object> out = new ArrayList<>();
                    live.forEach(s -> out.add(summary(s.conference(), s.roster())));
                    return Reply.json(200, Json.write(Map.of("conferences", out)));
                });
    }

    /** A user ({@code owner} not null) sees only what they organize: another's is "no conference", as none is. */
    private CompletionStage<Reply> show(Call call, String id, String owner) {
        if (owner == null) {
            return show(call, id);
        }
        return conferences
                .<ConferenceEntity.StateReply>ask(id, ConferenceEntity.GetConference::new)
                .thenCompose(reply -> {
                    if (reply instanceof ConferenceEntity.Current current) {
                        boolean theirs = current.state()
                                .map(st -> owner.equals(st.conference().organizer()))
                                .orElse(false);
                        return theirs ? show(call, id) : done(Reply.error(404, "no conference " + id));
                    }
                    return done(unavailable());
                })
                .exceptionally(failure -> unavailable());
    }

    private CompletionStage<Reply> show(Call call, String id) {
        CompletableFuture<Optional<String>> mixer = conferences
                .<ConferenceEntity.MixerReply>ask(id, ConferenceEntity.GetMixer::new)
                .handle((reply, failure) -> reply instanceof ConferenceEntity.MixerChosen m
                        ? Optional.ofNullable(m.mixer())
                        : Optional.<String>empty())
                .toCompletableFuture();
        return conferences
                .<ConferenceEntity.StateReply>ask(id, ConferenceEntity.GetConference::new)
                .thenCombine(mixer, (reply, m) -> {
                    if (reply instanceof ConferenceEntity.Current current) {
                        return current.state()
                                .map(s -> shown(call, s.conference(), s.roster(), m.orElse(null), 200))
                                .orElse(Reply.error(404, "no conference " + id));
                    }
                    return unavailable();
                })
                .exceptionally(failure -> unavailable());
    }

    /**
     * What the conference's media is on: its mixer, "none" with nobody connected, or, with
     * participants connected and no mixer, that no mixer is up (conferencing-focus/README.md,
     * "Mixer watching": they stay in their calls without media until one is).
     */
    static String media(Roster r, String mixer) {
        if (mixer != null) {
            return mixer;
        }
        return r.connected() > 0 ? "none: no live mixer, participants connected without media" : "none";
    }

    private Reply shown(Call call, Conference c, Roster r, String mixer, int status) {
        if (call.wantsText()) {
            StringBuilder b = new StringBuilder();
            b.append("conference ").append(c.uri()).append('\n');
            b.append("  number    ").append(c.numericId()).append('\n');
            b.append("  subject   ").append(c.subject()).append('\n');
            b.append("  organizer ").append(c.organizer()).append('\n');
            b.append("  access    ")
                    .append(c.access().name().toLowerCase(Locale.ROOT))
                    .append(c.lobbyBypass() ? " (lobby bypass for our users)" : "")
                    .append('\n');
            b.append("  limit     ").append(c.participantLimit()).append('\n');
            b.append("  locked    ").append(r.locked() ? "yes" : "no").append('\n');
            b.append("  version   ").append(r.version()).append('\n');
            b.append("  mixer     ").append(media(r, mixer)).append('\n');
            if (r.participants().isEmpty()) {
                b.append("nobody in it\n");
            } else {
                b.append(String.format("%-40s %-32s %-10s %-9s %s%n", "LEG", "USER", "ROLE", "STATUS", "SINCE"));
                for (Participant p : r.participants().values()) {
                    b.append(String.format(
                            "%-40s %-32s %-10s %-9s %s%n",
                            p.legId(),
                            p.uri(),
                            p.role().name().toLowerCase(Locale.ROOT),
                            p.status() == ParticipantStatus.PENDING
                                    ? "pending (" + p.lobbyReason().name().toLowerCase(Locale.ROOT) + ")"
                                    : statusOf(p),
                            p.since()));
                }
            }
            return Reply.text(status, b.toString());
        }
        Map<String, Object> m = summary(c, r);
        m.put("invitees", List.copyOf(c.invitees()));
        m.put(
                "presenters",
                c.presenters().everyoneFromOurDomains()
                        ? "everyone"
                        : List.copyOf(c.presenters().listed()));
        m.put("lobbyBypass", c.lobbyBypass());
        m.put("limit", c.participantLimit());
        m.put("createdAt", c.createdAt().toString());
        if (c.expiry() instanceof Expiry.Scheduled s) {
            m.put("end", s.end().toString());
            m.put("keepSeconds", s.keepFor().toSeconds());
        } else {
            m.put("graceSeconds", ((Expiry.AdHoc) c.expiry()).grace().toSeconds());
        }
        m.put("version", r.version());
        m.put("mixer", mixer);
        m.put("media", mixer != null ? "mixer" : r.connected() > 0 ? "no-live-mixer" : "none");
        List<Object> legs = new ArrayList<>();
        for (Participant p : r.participants().values()) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("leg", p.legId());
            l.put("uri", p.uri());
            l.put("kind", p.kind().name().toLowerCase(Locale.ROOT));
            l.put("role", p.role().name().toLowerCase(Locale.ROOT));
            l.put("status", statusOf(p));
            if (p.lobbyReason() != null) {
                l.put("lobbyReason", p.lobbyReason().name().toLowerCase(Locale.ROOT));
            }
            l.put("since", p.since().toString());
            legs.add(l);
        }
        m.put("participants", legs);
        return Reply.json(status, Json.write(m));
    }

    /** As RFC 4575 names a leg's status: {@code connected}, {@code pending} (the lobby), {@code dialing-out}. */
    static String statusOf(Participant p) {
        return switch (p.status()) {
            case CONNECTED -> "connected";
            case PENDING -> "pending";
            case DIALING_OUT -> "dialing-out";
        };
    }

    private static Map<String, Object> summary(Conference c, Roster r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("uri", c.uri());
        m.put("numericId", c.numericId());
        m.put("organizer", c.organizer());
        m.put("subject", c.subject());
        m.put("access", c.access().name().toLowerCase(Locale.ROOT));
        m.put("connected", r.connected());
        m.put("pending", r.pending());
        m.put("locked", r.locked());
        return m;
    }

    // ------------------------------------------------------------------ changing

    private CompletionStage<Reply> change(
            Call call,
            String id,
            Function<org.apache.pekko.actor.typed.ActorRef<ConferenceEntity.ChangeReply>, ConferenceEntity.Command>
                    command,
            String what) {
        return conferences
                .<ConferenceEntity.ChangeReply>ask(id, command)
                .thenCompose(reply -> {
                    if (reply instanceof ConferenceEntity.ChangeRefused refused) {
                        return done(Reply.error(refused.status(), refused.reason()));
                    }
                    if (!(reply instanceof ConferenceEntity.Done)) {
                        return done(unavailable());
                    }
                    if (call.wantsText()) {
                        return done(Reply.text(200, what + " conference " + id + "\n"));
                    }
                    // an ended conference is gone at once: say what was done to it instead of a 404
                    return show(call, id)
                            .thenApply(shown -> shown.status() == 404
                                    ? Reply.json(200, "{\"id\":\"" + id + "\",\"ended\":true}")
                                    : shown);
                })
                .exceptionally(failure -> unavailable());
    }

    private CompletionStage<Reply> create(Call call, String owner) {
        String body = call.body();
        if (owner != null) {
            // a user creates conferences they organize, and no one else's
            ObjectNode root;
            try {
                root = Json.parseObject(body == null || body.isBlank() ? "{}" : body);
            } catch (Json.Invalid e) {
                return done(Reply.error(400, e.getMessage()));
            }
            JsonNode organizer = root.get("organizer");
            if (organizer != null && !owner.equals(organizer.asText())) {
                return done(Reply.error(403, "\"organizer\" is you (" + owner + "); leave it out"));
            }
            root.put("organizer", owner);
            body = root.toString();
        }
        Object parsed = parse(body);
        if (parsed instanceof String error) {
            return done(Reply.error(400, error));
        }
        return create(call, (Draft) parsed, 3);
    }

    /** A numeric id another conference holds is drawn again, a few times. */
    private CompletionStage<Reply> create(Call call, Draft d, int attempts) {
        Conference c = d.conference(ConferenceIds.newId(random), ConferenceIds.newNumericId(random), clock.instant());
        return conferences
                .<ConferenceEntity.CreateReply>ask(c.id(), r -> new ConferenceEntity.Create(c, r))
                .thenCompose(reply -> {
                    if (reply instanceof ConferenceEntity.Created created) {
                        return done(shown(call, created.conference(), created.roster(), null, 201));
                    }
                    if (reply instanceof ConferenceEntity.CreateRefused && attempts > 1) {
                        return create(call, d, attempts - 1);
                    }
                    return done(unavailable());
                })
                .exceptionally(failure -> unavailable());
    }

    /** What a create body asks for; the ids and creation time are added when it is created. */
    record Draft(
            String organizer,
            String subject,
            AccessType access,
            Set<String> invitees,
            Presenters presenters,
            boolean lobbyBypass,
            int limit,
            Expiry expiry) {
        Conference conference(String id, String numericId, Instant now) {
            String domain = organizer.substring(organizer.indexOf('@') + 1);
            return new Conference(
                    id,
                    domain,
                    numericId,
                    organizer,
                    subject,
                    access,
                    invitees,
                    presenters,
                    lobbyBypass,
                    limit,
                    expiry,
                    now);
        }
    }

    /** The body as a {@link Draft}, or what is wrong with it (the 400's message, naming the field). */
    Object parse(String body) {
        if (body == null || body.isBlank()) {
            return "the body must be a JSON object, e.g. {\"organizer\":\"sip:alice@example.test\",\"subject\":\"Weekly\"}";
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
                return "unknown field \"" + key + "\"; the fields are " + String.join(", ", FIELDS);
            }
        }
        JsonNode organizer = root.get("organizer");
        if (organizer == null || !organizer.isTextual() || !ourUser(organizer.asText())) {
            return "\"organizer\" must be a user of ours, sip:user@domain with domain one of " + domains;
        }
        String subject = text(root, "subject", "");
        if (subject == null) {
            return "\"subject\" must be a string";
        }
        String accessText = text(root, "access", "company");
        AccessType access;
        try {
            access = AccessType.valueOf(accessText == null ? "" : accessText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return "\"access\" must be open, company or invited";
        }
        Set<String> invitees = uris(root.get("invitees"));
        if (invitees == null) {
            return "\"invitees\" must be a list of sip: URIs";
        }
        Presenters presenters;
        JsonNode p = root.get("presenters");
        if (p != null && p.isTextual() && p.asText().equals("everyone")) {
            presenters = Presenters.everyoneOfOurs();
        } else {
            Set<String> listed = uris(p);
            if (listed == null) {
                return "\"presenters\" must be a list of sip: URIs or \"everyone\" (every user of ours)";
            }
            presenters = new Presenters(false, listed);
        }
        JsonNode bypass = root.get("lobbyBypass");
        if (bypass != null && !bypass.isBoolean()) {
            return "\"lobbyBypass\" must be true or false";
        }
        Integer limit = number(root, "limit", Conference.DEFAULT_LIMIT, 1, Conference.MAX_LIMIT);
        if (limit == null) {
            return "\"limit\" must be a whole number from 1 to " + Conference.MAX_LIMIT;
        }
        Expiry expiry;
        JsonNode end = root.get("end");
        if (end != null) {
            if (root.has("graceMinutes")) {
                return "\"graceMinutes\" is for ad-hoc conferences (without \"end\")";
            }
            Instant at;
            try {
                at = end.isTextual() ? Instant.parse(end.asText()) : null;
            } catch (DateTimeParseException e) {
                at = null;
            }
            if (at == null || !at.isAfter(clock.instant())) {
                return "\"end\" must be an instant in the future, e.g. \"2030-01-31T17:00:00Z\"";
            }
            Integer keepDays = number(root, "keepDays", (int) DEFAULT_KEEP.toDays(), 0, 365);
            if (keepDays == null) {
                return "\"keepDays\" must be a whole number of days from 0 to 365";
            }
            expiry = new Expiry.Scheduled(at, Duration.ofDays(keepDays));
        } else {
            if (root.has("keepDays")) {
                return "\"keepDays\" is for scheduled conferences (with \"end\")";
            }
            Integer grace = number(root, "graceMinutes", (int) DEFAULT_GRACE.toMinutes(), 0, 7 * 24 * 60);
            if (grace == null) {
                return "\"graceMinutes\" must be a whole number of minutes from 0 to 10080";
            }
            expiry = new Expiry.AdHoc(Duration.ofMinutes(grace));
        }
        return new Draft(
                organizer.asText(),
                subject,
                access,
                invitees,
                presenters,
                bypass != null && bypass.asBoolean(),
                limit,
                expiry);
    }

    private boolean ourUser(String uri) {
        if (!uri.matches("sip:[^\\s@<>\";:]+@[^\\s@<>\";:]+")) {
            return false;
        }
        return domains.contains(uri.substring(uri.indexOf('@') + 1).toLowerCase(Locale.ROOT));
    }

    private static String text(ObjectNode root, String field, String absent) {
        JsonNode n = root.get(field);
        if (n == null) {
            return absent;
        }
        return n.isTextual() ? n.asText() : null;
    }

    private static Integer number(ObjectNode root, String field, int absent, int min, int max) {
        JsonNode n = root.get(field);
        if (n == null) {
            return absent;
        }
        if (!n.isInt() || n.asInt() < min || n.asInt() > max) {
            return null;
        }
        return n.asInt();
    }

    /** A list of sip:/sips: URIs, or null when it is not one (absent: empty). */
    private static Set<String> uris(JsonNode n) {
        Set<String> out = new LinkedHashSet<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            return null;
        }
        for (JsonNode e : n) {
            if (!e.isTextual() || !e.asText().matches("sips?:[^\\s@<>\";]+@[^\\s@<>\";]+")) {
                return null;
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Reply unavailable() {
        return new Reply(
                503,
                "application/json",
                Json.write(Map.of("error", "Conference service unavailable, try again")),
                Map.of("Retry-After", "5"));
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
