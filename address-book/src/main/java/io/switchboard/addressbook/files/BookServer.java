package io.switchboard.addressbook.files;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.addressbook.store.AddressBookStore;
import io.switchboard.addressbook.store.AddressBookStore.BookState;
import io.switchboard.addressbook.store.AddressBookStore.FileInfo;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What every node answers for the address book files, independent of the HTTP server: the manifest, the full
 * file, and "what changed since version N". The bytes come from the store (written once by the sync), so every
 * node serves identical bytes and the same ETags.
 *
 * <ul>
 *   <li>manifest: JSON with the committed version, its entry count and hash, the full file and the deltas kept
 *       (each with its size and ETag and the path to fetch it);
 *   <li>{@code since=N}: the delta from N to the current version when one is kept, the full file when none is
 *       (too large or too old; the header's {@code type} says which), an empty delta when N is current, 400
 *       for a version that never existed;
 *   <li>each answer has a strong ETag from the bytes' SHA-256 (different for the gzip and the identity
 *       coding, RFC 9110 section 8.8.3); {@code If-None-Match} with a matching tag gets 304 (section 13.1.2);
 *       a client that accepts gzip gets the stored gzip bytes with {@code Content-Encoding: gzip}, others the
 *       decompressed lines.
 * </ul>
 *
 * The committed version is read at most once per {@code stateTtl} per node; file bytes never change once
 * written, so the last few are kept in memory.
 */
public final class BookServer {

    /** An HTTP answer. */
    public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {}

    private static final String LINES = "application/x-ndjson; charset=utf-8";
    private static final int CACHED_FILES = 8;
    private static final JsonFactory JSON = new JsonFactory();

    /** The address book in other formats than ours (issue 14, item 5), rendered once per version. */
    public enum Export {
        YEALINK_XML("application/xml; charset=utf-8"),
        SNOM_XML("application/xml; charset=utf-8"),
        VCARD("text/vcard; charset=utf-8");

        private final String contentType;

        Export(String contentType) {
            this.contentType = contentType;
        }

        byte[] render(java.util.Collection<io.switchboard.addressbook.domain.AddressEntry> entries) {
            return switch (this) {
                case YEALINK_XML -> DeskPhonebook.render(entries, DeskPhonebook.Dialect.YEALINK);
                case SNOM_XML -> DeskPhonebook.render(entries, DeskPhonebook.Dialect.SNOM);
                case VCARD -> VCards.render(entries);
            };
        }
    }

    private record Rendered(byte[] gzip, String sha256) {}

    private record ExportKey(long version, Export kind) {}

    private record Snapshot(BookState state, List<FileInfo> files, Instant readAt) {}

    private final AddressBookStore store;
    private final String basePath;
    private final Clock clock;
    private final Duration stateTtl;
    private volatile Snapshot snapshot;
    private final Map<List<Long>, byte[]> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, byte[]> eldest) {
            return size() > CACHED_FILES;
        }
    };

    private final Map<ExportKey, CompletableFuture<Rendered>> exports = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param basePath where the files are served ({@code /user/address-book}), for the manifest's links */
    public BookServer(AddressBookStore store, String basePath, Clock clock, Duration stateTtl) {
        this.store = store;
        this.basePath = basePath;
        this.clock = clock;
        this.stateTtl = stateTtl;
    }

    /** The committed version (read again when older than the state TTL) and how many files it has. */
    public CompletionStage<Map.Entry<BookState, Integer>> state() {
        return current(false).thenApply(s -> Map.entry(s.state(), s.files().size()));
    }

    /** The committed version as this node last read it (for metrics); empty before the first read. */
    public Optional<BookState> lastKnownState() {
        Snapshot s = snapshot;
        return s == null ? Optional.empty() : Optional.of(s.state());
    }

    /** The number of files of the committed version (full and deltas) as last read. */
    public int lastKnownFiles() {
        Snapshot s = snapshot;
        return s == null ? 0 : s.files().size();
    }

    /** Forgets the cached version (after a sync on this node). */
    public void refresh() {
        Snapshot s = snapshot;
        if (s != null) {
            snapshot = new Snapshot(s.state(), s.files(), Instant.MIN); // kept for lastKnownState, read again next
        }
    }

    private CompletionStage<Snapshot> current(boolean force) {
        Snapshot s = snapshot;
        Instant now = clock.instant();
        if (!force
                && s != null
                && !s.readAt().equals(Instant.MIN)
                && now.isBefore(s.readAt().plus(stateTtl))) {
            return CompletableFuture.completedFuture(s);
        }
        return store.state().thenCombine(store.files(), (state, files) -> {
            List<FileInfo> current = files.stream()
                    .filter(f -> f.version() == state.version())
                    .sorted(Comparator.comparingLong(FileInfo::from))
                    .toList();
            Snapshot fresh = new Snapshot(state, current, now);
            snapshot = fresh;
            return fresh;
        });
    }

    public CompletionStage<Response> manifest(String acceptEncoding, String ifNoneMatch) {
        return current(false).thenApply(s -> {
            byte[] json = manifestJson(s).getBytes(StandardCharsets.UTF_8);
            return answer(
                    "application/json", BookFiles.gzip(json), BookFiles.sha256Hex(json), acceptEncoding, ifNoneMatch);
        });
    }

    public CompletionStage<Response> full(String acceptEncoding, String ifNoneMatch) {
        return current(false).thenCompose(s -> fileOf(s, 0, acceptEncoding, ifNoneMatch));
    }

    public CompletionStage<Response> since(String since, String acceptEncoding, String ifNoneMatch) {
        long from;
        try {
            from = Long.parseLong(since.strip());
        } catch (NumberFormatException e) {
            return CompletableFuture.completedFuture(error(400, "since must be a version number, not '" + since + "'"));
        }
        return current(false)
                .thenCompose(s -> from > s.state().version() ? current(true) : CompletableFuture.completedFuture(s))
                .thenCompose(s -> {
                    long version = s.state().version();
                    if (from < 0 || from > version) {
                        return CompletableFuture.completedFuture(error(
                                400, "no address book version " + from + " (the current one is " + version + ")"));
                    }
                    if (version > 0 && from == version) {
                        byte[] empty = BookFiles.emptyDelta(
                                version, s.state().count(), s.state().sha256());
                        return CompletableFuture.completedFuture(
                                answer(LINES, empty, BookFiles.sha256Hex(empty), acceptEncoding, ifNoneMatch));
                    }
                    boolean kept = s.files().stream().anyMatch(f -> f.from() == from);
                    return fileOf(s, kept ? from : 0, acceptEncoding, ifNoneMatch);
                });
    }

    /**
     * The committed version as a desk-phone phonebook or vCards: rendered from the version's full file the first
     * time it is asked for on this node, then served from memory (the bytes of one version never change, so the
     * ETag is the same on every node). Renderings of older versions are forgotten.
     */
    public CompletionStage<Response> export(Export kind, String acceptEncoding, String ifNoneMatch) {
        return current(false).thenCompose(s -> {
            long version = s.state().version();
            if (version == 0 || s.files().stream().noneMatch(FileInfo::isFull)) {
                return CompletableFuture.completedFuture(error(404, "no address book yet: no sync has completed"));
            }
            exports.keySet().removeIf(k -> k.version() != version);
            ExportKey key = new ExportKey(version, kind);
            CompletableFuture<Rendered> rendered = exports.computeIfAbsent(
                    key,
                    k -> fullBytes(s)
                            .thenApply(file -> file.map(bytes -> {
                                        byte[] plain = kind.render(
                                                BookFiles.read(bytes).entries().values());
                                        return new Rendered(BookFiles.gzip(plain), BookFiles.sha256Hex(plain));
                                    })
                                    .orElse(null))
                            .toCompletableFuture());
            // a failed read (or a file gone) is not remembered: the next request tries again
            rendered.whenComplete((r, failure) -> {
                if (failure != null || r == null) {
                    exports.remove(key, rendered);
                }
            });
            return rendered.thenApply(r -> r == null
                    ? error(404, "the file is gone; try again")
                    : answer(kind.contentType, r.gzip(), r.sha256(), acceptEncoding, ifNoneMatch));
        });
    }

    private CompletionStage<Optional<byte[]>> fullBytes(Snapshot s) {
        List<Long> key = List.of(s.state().version(), 0L);
        synchronized (cache) {
            byte[] cached = cache.get(key);
            if (cached != null) {
                return CompletableFuture.completedFuture(Optional.of(cached));
            }
        }
        return store.file(s.state().version(), 0);
    }

    private CompletionStage<Response> fileOf(Snapshot s, long from, String acceptEncoding, String ifNoneMatch) {
        Optional<FileInfo> info =
                s.files().stream().filter(f -> f.from() == from).findFirst();
        if (s.state().version() == 0 || info.isEmpty()) {
            return CompletableFuture.completedFuture(error(404, "no address book yet: no sync has completed"));
        }
        List<Long> key = List.of(s.state().version(), from);
        byte[] cached;
        synchronized (cache) {
            cached = cache.get(key);
        }
        CompletionStage<Optional<byte[]>> bytes = cached != null
                ? CompletableFuture.completedFuture(Optional.of(cached))
                : store.file(s.state().version(), from);
        return bytes.thenApply(found -> {
            if (found.isEmpty()) {
                return error(404, "the file is gone; fetch the manifest again");
            }
            synchronized (cache) {
                cache.put(key, found.get());
            }
            return answer(LINES, found.get(), info.get().sha256(), acceptEncoding, ifNoneMatch);
        });
    }

    private Response answer(String type, byte[] gzip, String sha256, String acceptEncoding, String ifNoneMatch) {
        boolean gz = acceptsGzip(acceptEncoding);
        String etag = etag(sha256, gz);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ETag", etag);
        headers.put("Vary", "Accept-Encoding");
        // users' own data behind their credentials: caches may keep it but must ask each time
        headers.put("Cache-Control", "private, no-cache");
        if (matches(ifNoneMatch, etag)) {
            return new Response(304, type, new byte[0], headers);
        }
        if (gz) {
            headers.put("Content-Encoding", "gzip");
            return new Response(200, type, gzip, headers);
        }
        return new Response(200, type, BookFiles.gunzip(gzip), headers);
    }

    static String etag(String sha256, boolean gzip) {
        return "\"" + sha256.substring(0, Math.min(32, sha256.length())) + (gzip ? "-gz" : "") + "\"";
    }

    /** If-None-Match (RFC 9110 section 13.1.2): "*" or a list of entity tags, compared weakly. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
            return false;
        }
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*")) {
                return true;
            }
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** Accept-Encoding (RFC 9110 section 12.5.3) names gzip, or *, with a quality above 0. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String item : acceptEncoding.split(",")) {
            String[] parts = item.split(";");
            String coding = parts[0].strip().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("x-gzip") && !coding.equals("*")) {
                continue;
            }
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            return q > 0;
        }
        return false;
    }

    private String manifestJson(Snapshot s) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("format", BookFiles.FORMAT);
            g.writeNumberField("version", s.state().version());
            g.writeNumberField("count", s.state().count());
            g.writeStringField("sha256", s.state().sha256());
            g.writeStringField("synced-at", s.state().syncedAt().toString());
            g.writeFieldName("full");
            Optional<FileInfo> full =
                    s.files().stream().filter(FileInfo::isFull).findFirst();
            if (full.isPresent()) {
                writeFile(g, full.get(), basePath + "/full");
            } else {
                g.writeNull();
            }
            g.writeArrayFieldStart("deltas");
            for (FileInfo f : s.files()) {
                if (!f.isFull()) {
                    writeFile(g, f, basePath + "?since=" + f.from());
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out + "\n";
    }

    private static void writeFile(JsonGenerator g, FileInfo f, String href) throws IOException {
        g.writeStartObject();
        if (!f.isFull()) {
            g.writeNumberField("from", f.from());
        }
        g.writeStringField("href", href);
        g.writeNumberField("size", f.size());
        g.writeStringField("etag", etag(f.sha256(), true));
        g.writeEndObject();
    }

    private static Response error(int status, String message) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Response(status, "application/json", out.toString().getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
