package io.switchboard.addressbook.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.files.BookFiles;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.store.AddressBookStore;
import io.switchboard.addressbook.store.AddressBookStore.BookState;
import io.switchboard.addressbook.store.AddressBookStore.FileInfo;
import io.switchboard.addressbook.store.InMemoryAddressBookStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BookSearchTest {

    private final InMemoryAddressBookStore store = new InMemoryAddressBookStore(Clock.systemUTC());

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().join();
    }

    private void publish(long version, String... names) {
        SortedMap<String, AddressEntry> book = new TreeMap<>();
        for (String name : names) {
            book.put("cn=" + name, new AddressEntry("cn=" + name, Map.of(Attribute.DISPLAY_NAME, name)));
        }
        byte[] full = BookFiles.full(version, book);
        Instant at = Instant.now();
        await(store.putFile(new FileInfo(version, 0, full.length, BookFiles.sha256Hex(full), book.size(), at), full));
        await(store.commit(version - 1, new BookState(version, book.size(), BookFiles.sha256(book), at)));
    }

    @Test
    void searchesTheCommittedVersionAndFollowsNewOnes() {
        BookSearch search = new BookSearch(store, NumberRules.NONE, Clock.systemUTC(), Duration.ZERO);
        assertThat(await(search.search("ann", null)))
                .isEqualTo(new BookSearch.Answer(
                        200,
                        "{\"query\":\"ann\",\"version\":0,\"page\":1,\"per-page\":50,\"total\":0,\"results\":[]}"));
        publish(1, "Ann", "Annie", "Bob");
        assertThat(awaitVersion(search, "ann", "1", 1))
                .isEqualTo("{\"query\":\"ann\",\"version\":1,\"page\":1,\"per-page\":50,\"total\":2,\"results\":["
                        + "{\"rank\":\"exact\",\"id\":\"cn=Ann\",\"display-name\":\"Ann\"},"
                        + "{\"rank\":\"prefix\",\"id\":\"cn=Annie\",\"display-name\":\"Annie\"}]}");
        publish(2, "Bob");
        assertThat(awaitVersion(search, "ann", null, 2)).contains("\"total\":0");
    }

    /**
     * A search answers from the index the node has and looks for a new version in the background, so a new
     * version is answered by a later search, once indexed.
     */
    private static String awaitVersion(BookSearch search, String q, String page, long version) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            String json = await(search.search(q, page)).json();
            if (json.contains("\"version\":" + version + ",")) {
                return json;
            }
            assertThat(System.nanoTime())
                    .as("version " + version + " searched within 10 s")
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void aStoreThatStopsAnsweringLeavesSearchesOnTheIndexedVersion() {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        AddressBookStore failing = (AddressBookStore) java.lang.reflect.Proxy.newProxyInstance(
                AddressBookStore.class.getClassLoader(), new Class<?>[] {AddressBookStore.class}, (proxy, m, args) -> {
                    if (down.get()) {
                        return CompletableFuture.failedFuture(new IllegalStateException("store timed out"));
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        publish(1, "Ann", "Bob");
        BookSearch search = new BookSearch(failing, NumberRules.NONE, Clock.systemUTC(), Duration.ZERO);
        assertThat(await(search.search("bob", null)).json()).contains("\"version\":1", "\"total\":1");
        down.set(true);
        for (int i = 0; i < 100; i++) {
            assertThat(await(search.search("ann", null)).json()).contains("\"version\":1", "\"total\":1");
        }
        // before any index, the failure is the answer (the caller makes it a 503)
        BookSearch fresh = new BookSearch(failing, NumberRules.NONE, Clock.systemUTC(), Duration.ZERO);
        assertThat(search.search("ann", null).toCompletableFuture()).isCompleted();
        assertThat(fresh.search("ann", null).toCompletableFuture()).isCompletedExceptionally();
    }

    @Test
    void badQueriesAre400() {
        BookSearch search = new BookSearch(store, NumberRules.NONE, Clock.systemUTC(), Duration.ZERO);
        assertThat(await(search.search("", null)))
                .isEqualTo(new BookSearch.Answer(400, "{\"error\":\"q must not be empty\"}"));
        assertThat(await(search.search(null, null)).status()).isEqualTo(400);
        assertThat(await(search.search("x".repeat(101), null)).status()).isEqualTo(400);
        assertThat(await(search.search("ann", "two")))
                .isEqualTo(new BookSearch.Answer(400, "{\"error\":\"page must be a number, not 'two'\"}"));
        assertThat(await(search.search("ann", "0")).status()).isEqualTo(400);
    }
}
