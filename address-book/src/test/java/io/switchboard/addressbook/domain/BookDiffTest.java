package io.switchboard.addressbook.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BookDiffTest {

    /** "a=Ann b=Bob" -> entries a and b with those display names. */
    private static SortedMap<String, AddressEntry> book(String spec) {
        SortedMap<String, AddressEntry> book = new TreeMap<>();
        for (String part : spec.isBlank() ? new String[0] : spec.trim().split("\\s+")) {
            String[] kv = part.split("=");
            book.put(kv[0], new AddressEntry(kv[0], Map.of(Attribute.DISPLAY_NAME, kv[1])));
        }
        return book;
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // before         | after              | adds | changes | removes
                "''               | a=Ann b=Bob        | a b  | ''      | ''",
                "a=Ann b=Bob      | ''                 | ''   | ''      | a b",
                "a=Ann b=Bob      | a=Ann b=Bob        | ''   | ''      | ''",
                "a=Ann b=Bob      | a=Anne b=Bob c=Cid | c    | a       | ''",
                "a=Ann b=Bob c=Cid| c=Cid d=Dan b=Bobby| d    | b       | a",
            })
    void diffsAndAppliesBack(String before, String after, String adds, String changes, String removes) {
        BookDiff diff = BookDiff.between(book(before), book(after));
        assertThat(String.join(" ", diff.adds().stream().map(AddressEntry::id).toList()))
                .isEqualTo(adds);
        assertThat(String.join(
                        " ", diff.changes().stream().map(AddressEntry::id).toList()))
                .isEqualTo(changes);
        assertThat(String.join(" ", diff.removes())).isEqualTo(removes);
        assertThat(diff.apply(book(before))).isEqualTo(book(after));
        assertThat(diff.isEmpty()).isEqualTo(before.equals(after));
    }
}
