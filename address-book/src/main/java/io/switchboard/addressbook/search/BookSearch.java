package io.switchboard.addressbook.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.files.BookFiles;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.store.AddressBookStore;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Search as every node answers it: over the committed version's full file, indexed in memory on first use
 * ({@link SearchIndex}) and again when the version changes (the version is read at most once per
 * {@code stateTtl}, in the background: see {@link #index()}). Answers JSON: {@code {"query", "version", "page", "per-page", "total", "results": [{"rank":
 * "exact"|"prefix", "id", ...attributes}]}}; a bad query is 400 with the reason.
 */
public final class BookSearch {

    /** An HTTP answer: status and JSON. */
    public record Answer(int status, String json) {}

    private record Indexed(long version, SearchIndex index) {}

    private static final JsonFactory JSON = new JsonFactory();
    private static final Logger LOG = LoggerFactory.getLogger(BookSearch.class);

    private final AddressBookStore store;
    private final NumberRules rules;
    private final Clock clock;
    private final Duration stateTtl;
    private volatile Indexed ready;
    private volatile Instant checkedAt = Instant.MIN;
    private CompletableFuture<Indexed> checking; // guarded by this

    public BookSearch(AddressBookStore store, NumberRules rules, Clock clock, Duration stateTtl) {
        this.store = store;
        this.rules = rules;
        this.clock = clock;
        this.stateTtl = stateTtl;
    }

    public CompletionStage<Answer> search(String query, String page) {
        int pageNumber;
        try {
            pageNumber = page == null ? 1 : Integer.parseInt(page.strip());
        } catch (NumberFormatException e) {
            return CompletableFuture.completedFuture(error("page must be a number, not '" + page + "'"));
        }
        try {
            // the query is checked before anything is loaded
            SearchIndex.validate(query, pageNumber);
        } catch (SearchIndex.BadQuery e) {
            return CompletableFuture.completedFuture(error(e.getMessage()));
        }
        return index().thenApply(i ->
                new Answer(200, json(i.version(), i.index().search(query, pageNumber))));
    }

    /**
     * The index to answer from. Once there is one, a search never waits for the store: when the version was last
     * checked more than {@code stateTtl} ago, one check runs in the background (however many searches arrive
     * meanwhile), and a new version replaces the index only once it is built, so a search neither queues behind a
     * state read nor behind indexing 100,000 entries, and a store that times out leaves searches answered from the
     * version already indexed. Only the first search on a node waits for the first index.
     */
    private CompletionStage<Indexed> index() {
        Indexed current = ready;
        if (current == null) {
            return check();
        }
        if (!clock.instant().isBefore(checkedAt.plus(stateTtl))) {
            check();
        }
        return CompletableFuture.completedFuture(current);
    }

    /** Reads the committed version and indexes it if it is new; one check at a time, shared by its callers. */
    private synchronized CompletableFuture<Indexed> check() {
        if (checking != null) {
            return checking;
        }
        CompletableFuture<Indexed> run = store.state()
                .thenCompose(state -> {
                    Indexed current = ready;
                    return current != null && current.version() == state.version()
                            ? CompletableFuture.completedFuture(current)
                            : load(state.version());
                })
                .toCompletableFuture();
        checking = run;
        run.whenComplete((indexed, failure) -> {
            synchronized (this) {
                checking = null;
                // also after a failure: the next check waits its turn, searches keep the index they have
                checkedAt = clock.instant();
                if (indexed != null) {
                    ready = indexed;
                }
            }
            if (failure != null) {
                LOG.warn("Could not check the address book's version for search: {}", failure.toString());
            }
        });
        return run;
    }

    private CompletionStage<Indexed> load(long version) {
        if (version == 0) {
            return CompletableFuture.completedFuture(new Indexed(0, SearchIndex.build(List.of(), rules)));
        }
        return store.file(version, 0)
                .thenApplyAsync(file -> new Indexed(
                        version,
                        SearchIndex.build(
                                BookFiles.read(file.orElseThrow(() -> new IllegalStateException(
                                                "the full file of version " + version + " is missing")))
                                        .entries()
                                        .values(),
                                rules)));
    }

    private static String json(long version, SearchIndex.Page page) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("query", page.query());
            g.writeNumberField("version", version);
            g.writeNumberField("page", page.page());
            g.writeNumberField("per-page", SearchIndex.PAGE_SIZE);
            g.writeNumberField("total", page.total());
            g.writeArrayFieldStart("results");
            for (SearchIndex.Hit hit : page.hits()) {
                g.writeStartObject();
                g.writeStringField("rank", hit.rank() == SearchIndex.Rank.EXACT ? "exact" : "prefix");
                g.writeStringField("id", hit.entry().id());
                for (Map.Entry<Attribute, String> v : hit.entry().values().entrySet()) {
                    g.writeStringField(v.getKey().key(), v.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static Answer error(String message) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Answer(400, out.toString());
    }
}
