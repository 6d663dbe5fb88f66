package io.switchboard.addressbook.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.domain.AttributeMapping;
import io.switchboard.addressbook.domain.DirectoryEntry;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {

    private static SourceRead read(String csv, AttributeMapping mapping) throws Exception {
        return CsvSource.read(new StringReader(csv), mapping, n -> {});
    }

    @Test
    void keepsGoodRowsAndReportsBadOnesByLine() throws Exception {
        SourceRead read = read("""
                display-name,mail,sip-uri,telephone,department,unused
                Alice Archer,alice@example.com,sip:alice@example.com,+31 20 555 0101,Sales,x

                "Bob ""B"" Baker",bob@example.com,,020 555 0102,"Research, Lab",y
                Carol,carol@example.com,,,
                Dave,,,,,z
                ,erin@example.com,,,,z
                Frank,"fr"ank@example.com,,,,
                Alice Again,ALICE@example.com,sip:alice@example.com,,,
                Grace,grace@example.com,,,,
                """, AttributeMapping.keys());
        assertThat(read.entries())
                .extracting(DirectoryEntry::sourceId)
                .containsExactly("sip:alice@example.com", "bob@example.com", "grace@example.com");
        assertThat(read.entries().get(1).values())
                .containsExactly(
                        Map.entry(Attribute.DISPLAY_NAME, "Bob \"B\" Baker"),
                        Map.entry(Attribute.MAIL, "bob@example.com"),
                        Map.entry(Attribute.TELEPHONE, "020 555 0102"),
                        Map.entry(Attribute.DEPARTMENT, "Research, Lab"));
        assertThat(read.problems())
                .extracting(SourceRead.Problem::toString)
                .containsExactly(
                        "line 5: 5 fields, the header has 6",
                        "line 6: no mail and no SIP URI: nothing identifies this person",
                        "line 7: no display name, given name or surname",
                        "line 8: text after the closing quote of field 2",
                        "line 9: same sip:alice@example.com as line 2");
    }

    @Test
    void readsColumnsByTheConfiguredNames() throws Exception {
        AttributeMapping mapping = AttributeMapping.keys()
                .with(Map.of(Attribute.DISPLAY_NAME, "Name", Attribute.MAIL, "E-mail", Attribute.MOBILE, "Cell"));
        SourceRead read = read("Unused,E-mail,NAME,Cell\nx,ann@example.com,Ann,+31 6 1234 5678\n", mapping);
        assertThat(read.problems()).isEmpty();
        assertThat(read.entries()).hasSize(1);
        assertThat(read.entries().get(0).values())
                .containsExactly(
                        Map.entry(Attribute.DISPLAY_NAME, "Ann"),
                        Map.entry(Attribute.MAIL, "ann@example.com"),
                        Map.entry(Attribute.MOBILE, "+31 6 1234 5678"));
    }

    @Test
    void aHeaderWithoutAnIdentityIsRefusedWhole() {
        assertThatThrownBy(() -> read("display-name,telephone\nAnn,123\n", AttributeMapping.keys()))
                .isInstanceOf(SourceException.class)
                .hasMessage("CSV header (line 1) has no mail and no sip-uri column; one of them identifies a person");
        assertThatThrownBy(() -> read("\n\n", AttributeMapping.keys()))
                .isInstanceOf(SourceException.class)
                .hasMessage("CSV directory has no header line");
    }

    @Test
    void readsAFileAndSaysWhenItIsMissing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("people.csv");
        StringBuilder csv = new StringBuilder("\uFEFFdisplay-name,mail\n");
        for (int i = 0; i < 2500; i++) {
            csv.append("Person ").append(i).append(",p").append(i).append("@example.com\n");
        }
        Files.writeString(file, csv);
        List<Long> progress = new ArrayList<>();
        SourceRead read = new CsvSource(file, AttributeMapping.keys()).read(progress::add);
        assertThat(read.entries()).hasSize(2500);
        assertThat(progress).containsExactly(1000L, 2000L, 2500L);

        Path missing = dir.resolve("none.csv");
        assertThatThrownBy(() -> new CsvSource(missing, AttributeMapping.keys()).read(n -> {}))
                .isInstanceOf(SourceException.class)
                .hasMessage("CSV directory file " + missing + " does not exist");
    }
}
