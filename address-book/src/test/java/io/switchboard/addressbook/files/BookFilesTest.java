package io.switchboard.addressbook.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.BookDiff;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BookFilesTest {

    private static SortedMap<String, AddressEntry> book(int people, int renamedFrom) {
        SortedMap<String, AddressEntry> book = new TreeMap<>();
        for (int i = 0; i < people; i++) {
            String name = (i >= renamedFrom ? "Renamed " : "Person ") + i;
            book.put(
                    "cn=p" + i,
                    new AddressEntry(
                            "cn=p" + i,
                            Map.of(
                                    Attribute.DISPLAY_NAME, name,
                                    Attribute.MAIL, "p" + i + "@example.com",
                                    Attribute.TELEPHONE, "+3120555" + (1000 + i))));
        }
        return book;
    }

    @Test
    void fullOfTheOldVersionPlusTheDeltaIsTheNewFullByHash() {
        SortedMap<String, AddressEntry> v6 = book(200, 200);
        SortedMap<String, AddressEntry> v7 = book(210, 195); // 10 added, 5 changed
        v7.remove("cn=p3");
        v7.put("cn=p0", new AddressEntry("cn=p0", Map.of(Attribute.DISPLAY_NAME, "Zoë Ångström")));
        byte[] full6 = BookFiles.full(6, v6);
        byte[] full7 = BookFiles.full(7, v7);
        byte[] delta = BookFiles.delta(6, 7, BookDiff.between(v6, v7), v7);

        SortedMap<String, AddressEntry> applied = BookFiles.apply(full6, delta);
        assertThat(BookFiles.sha256(applied))
                .isEqualTo(BookFiles.read(full7).header().sha256());
        assertThat(applied).isEqualTo(v7);
        // and a fresh full file of the result is byte for byte the server's
        assertThat(BookFiles.full(7, applied)).isEqualTo(full7);

        BookFiles.Header h = BookFiles.read(delta).header();
        assertThat(h).isEqualTo(new BookFiles.Header("delta", 6, 7, 209, h.sha256(), 10, 6, 1));
    }

    @Test
    void theFormatIsDocumentedJsonLines() {
        SortedMap<String, AddressEntry> book = new TreeMap<>();
        book.put(
                "cn=b",
                new AddressEntry("cn=b", Map.of(Attribute.MAIL, "b@example.com", Attribute.DISPLAY_NAME, "B \"q\"")));
        book.put("cn=a", new AddressEntry("cn=a", Map.of(Attribute.DISPLAY_NAME, "A")));
        String text = new String(BookFiles.gunzip(BookFiles.full(3, book)), StandardCharsets.UTF_8);
        String body = "{\"id\":\"cn=a\",\"display-name\":\"A\"}\n"
                + "{\"id\":\"cn=b\",\"display-name\":\"B \\\"q\\\"\",\"mail\":\"b@example.com\"}\n";
        assertThat(text)
                .isEqualTo("{\"format\":\"switchboard-address-book/1\",\"type\":\"full\",\"version\":3,\"count\":2,"
                        + "\"sha256\":\"" + BookFiles.sha256Hex(body.getBytes(StandardCharsets.UTF_8)) + "\"}\n"
                        + body);
        SortedMap<String, AddressEntry> after = new TreeMap<>(book);
        after.remove("cn=a");
        String delta = new String(
                BookFiles.gunzip(BookFiles.delta(3, 4, BookDiff.between(book, after), after)), StandardCharsets.UTF_8);
        assertThat(delta)
                .endsWith("\"adds\":0,\"changes\":0,\"removes\":1}\n{\"op\":\"remove\",\"id\":\"cn=a\"}\n")
                .startsWith("{\"format\":\"switchboard-address-book/1\",\"type\":\"delta\",\"from\":3,\"version\":4,"
                        + "\"count\":1,");
    }

    @Test
    void aDeltaForAnotherBaseOrWithAWrongHashIsRefused() {
        SortedMap<String, AddressEntry> v1 = book(10, 10);
        SortedMap<String, AddressEntry> v2 = book(12, 10);
        byte[] delta = BookFiles.delta(1, 2, BookDiff.between(v1, v2), v2);
        assertThatThrownBy(() -> BookFiles.apply(BookFiles.full(5, v1), delta))
                .isInstanceOf(BookFiles.BadFile.class)
                .hasMessage("the delta is from version 1, the full file is version 5");
        assertThatThrownBy(() -> BookFiles.apply(BookFiles.full(1, book(9, 10)), delta))
                .isInstanceOf(BookFiles.BadFile.class)
                .hasMessageStartingWith("after the delta the entries hash to ");
        assertThatThrownBy(() -> BookFiles.read("not gzip".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BookFiles.BadFile.class);
    }
}
