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

/**
 * Search as every node answers it: over the committed version's full file, indexed in memory on first use
 * ({@link SearchIndex}) and again when the version changes (the version is read at most once per
 * {@code stateTtl}). Answers JSON: {@code {"query", "version", "page", "per-page", "total", "results": [{"rank":
 * "exact"|"prefix", "id", ...attributes}]}}; a bad query is 400 with the reason.
 */
public final class BookSearch {

    /** An HTTP answer: status and JSON. */
    public record Answer(int status, String json) {}

    private record Indexed(long version, SearchIndex index) {}

    private static final JsonFactory JSON = new JsonFactory();

    private final AddressBookStore store;
    private final NumberRules rules;
    private final Clock clock;
    private final Duration stateTtl;
    private volatile long knownVersion = -1;
    private volatile Instant knownAt = Instant.MIN;
    private volatile CompletableFuture<Indexed> indexed;

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

    private CompletionStage<Indexed> index() {
        Instant now = clock.instant();
        CompletableFuture<Indexed> current = indexed;
        if (current != null && now.isBefore(knownAt.plus(stateTtl))) {
            return current;
        }
        return store.state().thenCompose(state -> {
            knownAt = now;
            synchronized (this) {
                if (indexed == null || knownVersion != state.version()) {
                    knownVersion = state.version();
                    indexed = state.version() == 0
                            ? CompletableFuture.completedFuture(new Indexed(0, SearchIndex.build(List.of(), rules)))
                            : store.file(state.version(), 0)
                                    .thenApplyAsync(file -> new Indexed(
                                            state.version(),
                                            SearchIndex.build(
                                                    BookFiles.read(file.orElseThrow(() -> new IllegalStateException(
                                                                    "the full file of version " + state.version()
                                                                            + " is missing")))
                                                            .entries()
                                                            .values(),
                                                    rules)))
                                    .toCompletableFuture();
                    CompletableFuture<Indexed> loading = indexed;
                    // a failed load is tried again by the next search, not remembered
                    loading.whenComplete((ok, failure) -> {
                        if (failure != null) {
                            synchronized (this) {
                                if (indexed == loading) {
                                    indexed = null;
                                }
                            }
                        }
                    });
                }
                return indexed;
            }
        });
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
