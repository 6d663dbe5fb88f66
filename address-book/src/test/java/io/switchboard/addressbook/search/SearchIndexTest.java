package io.switchboard.addressbook.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import io.switchboard.addressbook.numbers.RulesFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SearchIndexTest {

    private static final SearchIndex INDEX = SearchIndex.build(
            List.of(
                    entry("cn=zoe", "Zoë Ångström", "zoe@example.com", "sip:zoe@example.com", "+31205550101"),
                    entry("cn=ann", "Ann Archer", "ann@example.com", "sip:ann@example.com", "+31205550102;ext=12"),
                    entry("cn=anna", "Anna Berg", "anna.berg@example.com", null, "+442079460000"),
                    entry("cn=bob", "Bob Annand", "bob@example.com", "sip:bob@example.com", "+31301234567"),
                    entry("cn=desk", "Reception Desk", "desk@example.com", null, "+31205551234")),
            RulesFile.parse("^0(\\d{9})$ -> +31$1\n^(\\d{4})$ -> +3120555$1\n").rules());

    private static AddressEntry entry(String id, String name, String mail, String sip, String phone) {
        Map<Attribute, String> values = new java.util.EnumMap<>(Attribute.class);
        values.put(Attribute.DISPLAY_NAME, name);
        values.put(Attribute.MAIL, mail);
        if (sip != null) {
            values.put(Attribute.SIP_URI, sip);
        }
        values.put(Attribute.TELEPHONE, phone);
        return new AddressEntry(id, values);
    }

    private static String ids(SearchIndex.Page page) {
        return String.join(
                " ",
                page.hits().stream()
                        .map(h -> h.entry().id() + (h.rank() == SearchIndex.Rank.EXACT ? "!" : ""))
                        .toList());
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // query                | results in order (! = exact)
                "ann                    | cn=ann! cn=anna cn=bob",
                "ANN                    | cn=ann! cn=anna cn=bob",
                "anna                   | cn=anna! cn=bob",
                "ann archer             | cn=ann!",
                "zoe                    | cn=zoe!",
                "ångström               | cn=zoe!",
                "ZOË Å                  | cn=zoe",
                "sip:bob@               | cn=bob",
                "anna.berg@example.com  | cn=anna!",
                "+3120                  | cn=ann cn=desk cn=zoe",
                "020                    | cn=ann cn=desk cn=zoe",
                "(020) 555-01           | cn=ann cn=zoe",
                "0201                   | ''",
                "1234                   | cn=desk!",
                "+44 20 7946            | cn=anna",
                "nobody                 | ''",
            })
    void findsByPrefixRankedExactFirst(String query, String expected) {
        assertThat(ids(INDEX.search(query, 1))).isEqualTo(expected);
    }

    @Test
    void aPhoneQueryIsNormalizedWithTheRules() {
        assertThat(INDEX.terms("020")).containsExactly("020", "+3120555020", "+3120");
        assertThat(INDEX.terms("+31 20")).containsExactly("+31 20", "+3120");
        assertThat(INDEX.terms("Ann")).containsExactly("ann");
    }

    @Test
    void fiftyPerPage() {
        List<AddressEntry> many = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            many.add(entry(
                    "cn=p" + i,
                    String.format("Person %03d", i),
                    "p" + i + "@example.com",
                    null,
                    "+3120555" + (1000 + i)));
        }
        SearchIndex index = SearchIndex.build(many, RulesFile.parse("").rules());
        SearchIndex.Page first = index.search("person", 1);
        assertThat(first.total()).isEqualTo(120);
        assertThat(first.hits()).hasSize(50);
        assertThat(first.hits().get(0).entry().id()).isEqualTo("cn=p0");
        assertThat(index.search("person", 3).hits()).hasSize(20);
        assertThat(index.search("person", 3).hits().get(0).entry().id()).isEqualTo("cn=p100");
        assertThat(index.search("person", 4).hits()).isEmpty();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''    | q must not be empty",
                "'   ' | q must not be empty",
            })
    void emptyQueriesAreRefused(String query, String message) {
        assertThatThrownBy(() -> INDEX.search(query, 1))
                .isInstanceOf(SearchIndex.BadQuery.class)
                .hasMessage(message);
    }

    @Test
    void tooLongOrMalformedQueriesAreRefused() {
        assertThatThrownBy(() -> INDEX.search("a".repeat(101), 1)).hasMessage("q must be at most 100 characters");
        assertThatThrownBy(() -> INDEX.search("ann\u0000", 1)).hasMessage("q must not contain control characters");
        assertThatThrownBy(() -> INDEX.search("ann", 0)).hasMessage("page must be 1 or more");
        assertThat(INDEX.search("a".repeat(100), 1).hits()).isEmpty();
    }

    /**
     * Both ways of ordering results (a sort of the matches when they are few, a walk of the name order when they
     * are many) give the order a plain sort would, on every page: exact before prefix, then folded display name,
     * then id.
     */
    @Test
    void fewAndManyMatchesAreRankedAndPagedAlike() {
        java.util.Random random = new java.util.Random(14);
        List<AddressEntry> book = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            // a few hundred distinct names, so many entries share a display name and ties fall to the id
            String name = "N" + Integer.toString(random.nextInt(400), 36) + " S" + (i % 7);
            book.add(entry("cn=" + i, name, "m" + i + "@example.com", null, "+3120" + (5_000_000 + i)));
        }
        SearchIndex index = SearchIndex.build(book, RulesFile.parse("").rules());
        for (String q : List.of("n", "n1", "n1a", "s3", "m1", "m19", "m1999@example.com", "+31205000")) {
            List<SearchIndex.Hit> all = new ArrayList<>();
            for (int page = 1; ; page++) {
                SearchIndex.Page p = index.search(q, page);
                all.addAll(p.hits());
                if (p.hits().size() < SearchIndex.PAGE_SIZE) {
                    assertThat(all).as(q).hasSize(p.total());
                    break;
                }
            }
            List<SearchIndex.Hit> expected = new ArrayList<>(all);
            expected.sort(java.util.Comparator.comparing(SearchIndex.Hit::rank)
                    .thenComparing(h -> SearchIndex.fold(
                            h.entry().get(Attribute.DISPLAY_NAME).orElse("")))
                    .thenComparing(h -> h.entry().id()));
            assertThat(all).as(q).isEqualTo(expected).doesNotHaveDuplicates();
        }
        assertThat(index.search("n", 1).total()).isEqualTo(2_000);
        assertThat(index.search("m1999@example.com", 1).hits())
                .extracting(h -> h.entry().id() + " " + h.rank())
                .containsExactly("cn=1999 EXACT");
    }
}
