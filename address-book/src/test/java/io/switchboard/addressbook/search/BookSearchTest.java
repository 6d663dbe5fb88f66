package io.switchboard.addressbook.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.files.BookFiles;
import io.switchboard.addressbook.numbers.NumberRules;
import io.switchboard.addressbook.store.AddressBookStore.BookState;
import io.switchboard.addressbook.store.AddressBookStore.FileInfo;
import io.switchboard.addressbook.store.InMemoryAddressBookStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
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
        assertThat(await(search.search("ann", "1")).json())
                .isEqualTo("{\"query\":\"ann\",\"version\":1,\"page\":1,\"per-page\":50,\"total\":2,\"results\":["
                        + "{\"rank\":\"exact\",\"id\":\"cn=Ann\",\"display-name\":\"Ann\"},"
                        + "{\"rank\":\"prefix\",\"id\":\"cn=Annie\",\"display-name\":\"Annie\"}]}");
        publish(2, "Bob");
        assertThat(await(search.search("ann", null)).json()).contains("\"version\":2", "\"total\":0");
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
