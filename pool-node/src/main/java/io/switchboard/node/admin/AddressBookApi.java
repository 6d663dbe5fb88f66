package io.switchboard.node.admin;

import io.switchboard.addressbook.files.BookServer;
import io.switchboard.addressbook.files.DeskPhonebook;
import io.switchboard.addressbook.numbers.Normalization;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.numbers.RuleCases;
import io.switchboard.addressbook.search.BookSearch;
import io.switchboard.addressbook.store.AddressBookStore;
import io.switchboard.addressbook.sync.SyncReport;
import io.switchboard.addressbook.sync.SyncRunner;
import io.switchboard.node.admin.AdminServer.Call;
import io.switchboard.node.admin.AdminServer.Reply;
import io.switchboard.node.admin.AdminServer.UserAuthenticator;
import io.switchboard.node.metrics.AddressBookMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The address book over HTTP (address-book/README.md):
 * <pre>
 * GET  /user/address-book              the manifest (users' HTTP Digest, as /user/presence)
 * GET  /user/address-book?since=N      what changed since version N: a delta, or the full file
 * GET  /user/address-book/full         the full file
 * GET  /user/address-book/phonebook.xml[?vendor=yealink|snom]   a remote phonebook for desk phones
 * GET  /user/address-book/contacts.vcf  every entry as a vCard 4.0 (RFC 6350)
 * GET  /user/address-book/search?q=Q[&amp;page=N]   prefix search, 50 per page (also under /api/address-book)
 * GET  /api/address-book               the manifest (admin token)
 * POST /api/address-book/sync          start a sync on this node now: 202 with its status
 * GET  /api/address-book/sync          the status of this node's latest sync (progress, report or error)
 * GET  /api/address-book/normalize?number=N   the rule that matches and the result
 * GET  /api/address-book/status      the committed version, entries, files; this node's last and next sync
 * POST /api/address-book/rules/test   a body of 'NUMBER -> EXPECTED' lines run through the rules: mismatches
 * </pre>
 * Files come from {@link BookServer}: ETag / If-None-Match (304), gzip when accepted.
 */
public final class AddressBookApi {

    public static final String USER_PREFIX = "/user/address-book";
    public static final String ADMIN_PREFIX = "/api/address-book";

    private final BookServer files;
    private final BookSearch search;
    private final SyncRunner runner;
    private final NumberRules rules;
    private final AddressBookMetrics metrics;

    public AddressBookApi(
            BookServer files, BookSearch search, SyncRunner runner, NumberRules rules, AddressBookMetrics metrics) {
        this.files = files;
        this.search = search;
        this.runner = runner;
        this.rules = rules;
        this.metrics = metrics;
    }

    /** The address book is off on this node ({@code source = none}): every path answers 404 saying so. */
    public static AddressBookApi off() {
        return new AddressBookApi(null, null, null, null, null);
    }

    private static final String OFF = "The address book is off on this node (switchboard.address-book.source = none)";

    public void register(AdminServer server, UserAuthenticator users) {
        server.secureTree(ADMIN_PREFIX, this::admin);
        server.userTree(USER_PREFIX, users, this::user);
    }

    private CompletionStage<Reply> user(Call call) {
        if (files == null) {
            return done(Reply.error(404, OFF));
        }
        if (!call.method().equals("GET")) {
            return done(Reply.methodNotAllowed("GET", "The address book is read with GET"));
        }
        String accept = call.header("Accept-Encoding");
        String etags = call.header("If-None-Match");
        if (call.path().equals(USER_PREFIX)) {
            String since = call.param("since");
            return (since != null ? files.since(since, accept, etags) : files.manifest(accept, etags))
                    .thenApply(AddressBookApi::reply);
        }
        if (call.path().equals(USER_PREFIX + "/full")) {
            return files.full(accept, etags).thenApply(AddressBookApi::reply);
        }
        if (call.path().equals(USER_PREFIX + "/search")) {
            return search(call);
        }
        if (call.path().equals(USER_PREFIX + "/phonebook.xml")) {
            String vendor = call.param("vendor");
            Optional<DeskPhonebook.Dialect> dialect =
                    vendor == null ? Optional.of(DeskPhonebook.Dialect.YEALINK) : DeskPhonebook.Dialect.byName(vendor);
            if (dialect.isEmpty()) {
                return done(Reply.error(400, "vendor must be yealink or snom, not '" + vendor + "'"));
            }
            BookServer.Export kind = dialect.get() == DeskPhonebook.Dialect.YEALINK
                    ? BookServer.Export.YEALINK_XML
                    : BookServer.Export.SNOM_XML;
            return files.export(kind, accept, etags).thenApply(AddressBookApi::reply);
        }
        if (call.path().equals(USER_PREFIX + "/contacts.vcf")) {
            return files.export(BookServer.Export.VCARD, accept, etags).thenApply(AddressBookApi::reply);
        }
        return done(Reply.error(404, "No such endpoint: " + call.path()));
    }

    private CompletionStage<Reply> admin(Call call) {
        if (files == null) {
            return done(Reply.error(404, OFF));
        }
        String path = call.path();
        if (path.equals(ADMIN_PREFIX)) {
            if (!call.method().equals("GET")) {
                return done(Reply.methodNotAllowed("GET", "GET the manifest"));
            }
            return files.manifest(call.header("Accept-Encoding"), call.header("If-None-Match"))
                    .thenApply(AddressBookApi::reply);
        }
        if (path.equals(ADMIN_PREFIX + "/sync")) {
            return switch (call.method()) {
                case "POST" -> done(Reply.json(202, Json.write(status(runner.startNow()))));
                case "GET" -> done(Reply.json(200, Json.write(status(runner.status()))));
                default -> done(Reply.methodNotAllowed("GET, POST", "POST starts a sync, GET shows its status"));
            };
        }
        if (path.equals(ADMIN_PREFIX + "/search")) {
            if (!call.method().equals("GET")) {
                return done(Reply.methodNotAllowed("GET", "GET ?q=QUERY[&page=N]"));
            }
            return search(call);
        }
        if (path.equals(ADMIN_PREFIX + "/status")) {
            if (!call.method().equals("GET")) {
                return done(Reply.methodNotAllowed("GET", "GET the status"));
            }
            return files.state().thenApply(state -> status(call, state.getKey(), state.getValue()));
        }
        if (path.equals(ADMIN_PREFIX + "/rules/test")) {
            if (!call.method().equals("POST")) {
                return done(Reply.methodNotAllowed("POST", "POST a file of 'NUMBER -> EXPECTED' lines"));
            }
            return done(Reply.json(200, Json.write(ruleTest(call.body() == null ? "" : call.body()))));
        }
        if (path.equals(ADMIN_PREFIX + "/normalize")) {
            if (!call.method().equals("GET")) {
                return done(Reply.methodNotAllowed("GET", "GET ?number=NUMBER"));
            }
            String number = call.param("number");
            if (number == null || number.isBlank() || number.length() > 64) {
                return done(Reply.error(400, "number must be given (?number=...) and at most 64 characters"));
            }
            Normalization n = rules.normalize(number);
            if (call.wantsText()) {
                return done(Reply.text(200, n.describe() + "\n"));
            }
            return done(Reply.json(200, Json.write(normalization(n))));
        }
        return done(Reply.error(404, "No such endpoint: " + path));
    }

    private CompletionStage<Reply> search(Call call) {
        long start = System.nanoTime();
        return search.search(call.param("q"), call.param("page")).thenApply(a -> {
            metrics.searched(a.status(), System.nanoTime() - start);
            return call.wantsText() && a.status() == 200
                    ? Reply.text(200, searchText(a.json()))
                    : Reply.json(a.status(), a.json());
        });
    }

    /** A search answer as lines for the CLI's {@code show}: name, SIP URI, numbers, mail. */
    private static String searchText(String json) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode page = Json.parseObject(json);
            StringBuilder out = new StringBuilder();
            for (com.fasterxml.jackson.databind.JsonNode hit : page.path("results")) {
                out.append(hit.path("display-name").asText(hit.path("id").asText()));
                for (String field : List.of("sip-uri", "telephone", "mobile", "mail", "department")) {
                    if (hit.has(field)) {
                        out.append("  ").append(hit.path(field).asText());
                    }
                }
                out.append('\n');
            }
            out.append(page.path("total").asLong())
                    .append(" found (page ")
                    .append(page.path("page").asLong())
                    .append(", ")
                    .append(io.switchboard.addressbook.search.SearchIndex.PAGE_SIZE)
                    .append(" per page)\n");
            return out.toString();
        } catch (Json.Invalid e) {
            return json;
        }
    }

    private Reply status(Call call, AddressBookStore.BookState state, int fileCount) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", state.version());
        out.put("entries", state.count());
        out.put("files", fileCount);
        out.put("synced-at", state.version() == 0 ? null : state.syncedAt().toString());
        out.put("next-run", runner.nextRun().map(Object::toString).orElse(null));
        out.put("last-sync-here", status(runner.status()));
        if (!call.wantsText()) {
            return Reply.json(200, Json.write(out));
        }
        StringBuilder text = new StringBuilder();
        text.append("version ")
                .append(state.version())
                .append(", ")
                .append(state.count())
                .append(" entries, ")
                .append(fileCount)
                .append(" files");
        if (state.version() > 0) {
            text.append(", published ").append(state.syncedAt());
        }
        text.append('\n');
        SyncRunner.Status s = runner.status();
        text.append("last sync on this node: ").append(s.state().name().toLowerCase(Locale.ROOT));
        if (s.ended() != null) {
            text.append(" at ").append(s.ended());
        }
        if (s.error() != null) {
            text.append(": ").append(s.error());
        }
        text.append('\n');
        runner.nextRun()
                .ifPresent(n -> text.append("next scheduled sync: ").append(n).append('\n'));
        return Reply.text(200, text.toString());
    }

    private Map<String, Object> ruleTest(String body) {
        RuleCases.Parsed parsed = RuleCases.parse(body);
        List<RuleCases.Outcome> outcomes = RuleCases.run(rules, parsed.cases());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("passed", outcomes.stream().filter(RuleCases.Outcome::passed).count());
        out.put("failed", outcomes.stream().filter(o -> !o.passed()).count());
        out.put("problems", parsed.problems().stream().map(Object::toString).toList());
        out.put(
                "mismatches",
                outcomes.stream().filter(o -> !o.passed()).map(Object::toString).toList());
        return out;
    }

    static Map<String, Object> normalization(Normalization n) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("input", n.input());
        if (n instanceof Normalization.Normalized ok) {
            out.put("normalized", true);
            out.put("e164", ok.e164());
            out.put("extension", ok.extension());
            if (ok.byRule()) {
                out.put(
                        "rule",
                        Map.of(
                                "line", ok.rule().position(),
                                "pattern", ok.rule().pattern(),
                                "translation", ok.rule().translation()));
            }
        } else {
            Normalization.NotNormalized no = (Normalization.NotNormalized) n;
            out.put("normalized", false);
            out.put("reason", no.reason().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        out.put("text", n.describe());
        return out;
    }

    static Map<String, Object> status(SyncRunner.Status s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", s.state().name().toLowerCase(Locale.ROOT));
        out.put("phase", s.phase());
        out.put("read", s.read());
        out.put("written", s.written());
        out.put("to-write", s.toWrite());
        out.put("started", s.started() == null ? null : s.started().toString());
        out.put("ended", s.ended() == null ? null : s.ended().toString());
        out.put("error", s.error());
        SyncReport r = s.report();
        if (r != null) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("version", r.version());
            report.put("previous-version", r.previousVersion());
            report.put("entries", r.entries());
            report.put("added", r.added());
            report.put("changed", r.changed());
            report.put("removed", r.removed());
            report.put("read", r.read());
            report.put("rejected", r.rejected());
            report.put(
                    "rejected-examples",
                    r.rejectedExamples().stream().map(Object::toString).toList());
            report.put("numbers-not-normalized", r.numbers().total());
            report.put(
                    "number-examples",
                    r.numbers().examples().stream().map(Object::toString).toList());
            report.put("deltas-from", r.deltasFrom());
            report.put("deltas-too-large", r.deltasTooLarge());
            report.put("took-ms", r.took().toMillis());
            report.put("text", r.describe());
            out.put("report", report);
        } else {
            out.put("report", null);
        }
        return out;
    }

    private static Reply reply(BookServer.Response r) {
        return Reply.bytes(r.status(), r.contentType(), r.body(), r.headers());
    }

    private static CompletionStage<Reply> done(Reply r) {
        return CompletableFuture.completedFuture(r);
    }
}
