package io.switchboard.addressbook.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.BookDiff;
import io.switchboard.addressbook.store.AddressBookStore.BookState;
import io.switchboard.addressbook.store.AddressBookStore.FileInfo;
import io.switchboard.addressbook.store.InMemoryAddressBookStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BookServerTest {

    private static final Instant AT = Instant.parse("2026-12-05T06:00:00Z");
    private final InMemoryAddressBookStore store = new InMemoryAddressBookStore(Clock.systemUTC());

    private static SortedMap<String, AddressEntry> book(int people) {
        SortedMap<String, AddressEntry> book = new TreeMap<>();
        for (int i = 0; i < people; i++) {
            book.put("cn=p" + i, new AddressEntry("cn=p" + i, Map.of(Attribute.DISPLAY_NAME, "Person " + i)));
        }
        return book;
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().join();
    }

    /** Versions 1 (10 people), 2 (12) and 3 (13); deltas to 3 from 2 only. */
    private void publish() {
        for (int v = 1; v <= 3; v++) {
            SortedMap<String, AddressEntry> entries = book(9 + v + (v == 3 ? 1 : 0));
            byte[] full = BookFiles.full(v, entries);
            await(store.putFile(new FileInfo(v, 0, full.length, BookFiles.sha256Hex(full), entries.size(), AT), full));
            if (v == 3) {
                byte[] delta = BookFiles.delta(2, 3, BookDiff.between(book(11), entries), entries);
                await(store.putFile(new FileInfo(3, 2, delta.length, BookFiles.sha256Hex(delta), 13, AT), delta));
            }
            await(store.commit(v - 1, new BookState(v, entries.size(), BookFiles.sha256(entries), AT)));
        }
    }

    private BookServer server() {
        return new BookServer(store, "/user/address-book", Clock.systemUTC(), Duration.ofSeconds(2));
    }

    private static String text(BookServer.Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void beforeTheFirstSyncTheManifestSaysVersionZero() {
        BookServer server = server();
        assertThat(text(await(server.manifest(null, null))))
                .isEqualTo("{\"format\":\"switchboard-address-book/1\",\"version\":0,\"count\":0,\"sha256\":\"\","
                        + "\"synced-at\":\"1970-01-01T00:00:00Z\",\"full\":null,\"deltas\":[]}\n");
        assertThat(await(server.full(null, null)).status()).isEqualTo(404);
        assertThat(await(server.since("0", null, null)).status()).isEqualTo(404);
    }

    @Test
    void theManifestListsTheFullFileAndTheDeltas() {
        publish();
        BookServer.Response r = await(server().manifest("gzip", null));
        assertThat(r.headers()).containsEntry("Content-Encoding", "gzip");
        String json = new String(BookFiles.gunzip(r.body()), StandardCharsets.UTF_8);
        assertThat(json)
                .startsWith("{\"format\":\"switchboard-address-book/1\",\"version\":3,\"count\":13,")
                .contains("\"full\":{\"href\":\"/user/address-book/full\",")
                .contains("\"deltas\":[{\"from\":2,\"href\":\"/user/address-book?since=2\",");
    }

    @Test
    void sinceGivesTheDeltaTheFullFileOrNothingNew() {
        publish();
        BookServer server = server();
        BookFiles.Header delta =
                BookFiles.read(await(server.since("2", "gzip", null)).body()).header();
        assertThat(delta.type()).isEqualTo("delta");
        assertThat(delta.from()).isEqualTo(2);
        // no delta kept from version 1: the full file
        BookFiles.Decoded full =
                BookFiles.read(await(server.since("1", "gzip", null)).body());
        assertThat(full.header().isFull()).isTrue();
        assertThat(full.entries()).hasSize(13);
        BookFiles.Decoded none =
                BookFiles.read(await(server.since("3", "gzip", null)).body());
        assertThat(none.header())
                .isEqualTo(new BookFiles.Header("delta", 3, 3, 13, full.header().sha256(), 0, 0, 0));
        assertThat(await(server.since("4", null, null)).status()).isEqualTo(400);
        assertThat(await(server.since("-1", null, null)).status()).isEqualTo(400);
        assertThat(text(await(server.since("two", null, null))))
                .isEqualTo("{\"error\":\"since must be a version number, not 'two'\"}");
    }

    @Test
    void etagsAnswer304AndDifferByCoding() {
        publish();
        BookServer server = server();
        BookServer.Response gz = await(server.full("gzip, deflate", null));
        BookServer.Response plain = await(server.full(null, null));
        assertThat(gz.status()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo(BookFiles.gunzip(gz.body()));
        assertThat(plain.headers()).doesNotContainKey("Content-Encoding");
        assertThat(gz.headers().get("ETag")).isNotEqualTo(plain.headers().get("ETag"));

        BookServer.Response again =
                await(server.full("gzip", "\"other\", " + gz.headers().get("ETag")));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.headers()).containsEntry("ETag", gz.headers().get("ETag"));
        assertThat(await(server.full("gzip", plain.headers().get("ETag"))).status())
                .isEqualTo(200);
        assertThat(await(server.manifest(
                                "gzip",
                                await(server.manifest("gzip", null)).headers().get("ETag")))
                        .status())
                .isEqualTo(304);
    }

    @Test
    void everyNodeServesIdenticalBytes() {
        publish();
        BookServer one = server();
        BookServer two = server();
        for (String since : new String[] {"1", "2", "3"}) {
            assertThat(await(one.since(since, "gzip", null)).body())
                    .isEqualTo(await(two.since(since, "gzip", null)).body());
        }
        assertThat(await(one.manifest("gzip", null)).headers())
                .isEqualTo(await(two.manifest("gzip", null)).headers());
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "gzip                 | true",
                "deflate, gzip;q=0.5  | true",
                "GZIP                 | true",
                "*                    | true",
                "gzip;q=0             | false",
                "deflate, br          | false",
                "identity             | false",
                "''                   | false",
            })
    void acceptEncoding(String header, boolean gzip) {
        assertThat(BookServer.acceptsGzip(header)).isEqualTo(gzip);
    }

    @Test
    void storeStateIsReadOncePerTtl() {
        publish();
        BookServer server = server();
        await(server.manifest(null, null));
        await(store.commit(3, new BookState(4, 0, "", AT)));
        assertThat(text(await(server.manifest(null, null)))).contains("\"version\":3");
        server.refresh();
        assertThat(text(await(server.manifest(null, null)))).contains("\"version\":4");
    }

    @Test
    void exportsAreRenderedFromTheCurrentFullFileWithStableEtags() {
        BookServer server = server();
        assertThat(await(server.export(BookServer.Export.VCARD, null, null)).status())
                .isEqualTo(404);
        publish();
        server.refresh();
        BookServer.Response vcards = await(server.export(BookServer.Export.VCARD, null, null));
        assertThat(vcards.status()).isEqualTo(200);
        assertThat(vcards.contentType()).isEqualTo("text/vcard; charset=utf-8");
        assertThat(text(vcards)).contains("FN:Person 12\r\n");
        assertThat(text(vcards).split("BEGIN:VCARD", -1)).hasSize(14); // version 3 has 13 people

        BookServer.Response xml = await(server.export(BookServer.Export.YEALINK_XML, "gzip", null));
        assertThat(xml.headers()).containsEntry("Content-Encoding", "gzip");
        String etag = xml.headers().get("ETag");
        // another node renders the same bytes, so the same tag; a matching If-None-Match is 304
        BookServer other = server();
        assertThat(await(other.export(BookServer.Export.YEALINK_XML, "gzip", null))
                        .headers())
                .containsEntry("ETag", etag);
        assertThat(await(other.export(BookServer.Export.YEALINK_XML, "gzip", etag))
                        .status())
                .isEqualTo(304);
        assertThat(await(other.export(BookServer.Export.SNOM_XML, "gzip", null))
                        .headers()
                        .get("ETag"))
                .isNotEqualTo(etag);
    }
}
