package io.switchboard.presence.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContactListRulesTest {

    static final String ALICE = "sip:alice@example.test";
    static final ContactList EMPTY = ContactList.empty(ALICE);

    static <T> T ok(Checked<T> c) {
        assertThat(c).isInstanceOf(Checked.Ok.class);
        return ((Checked.Ok<T>) c).value();
    }

    static String reason(Checked<?> c) {
        assertThat(c).isInstanceOf(Checked.Invalid.class);
        return ((Checked.Invalid<?>) c).reason();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "sip:bob@example.test           | sip:bob@example.test",
                "SIP:Bob@EXAMPLE.Test           | sip:Bob@example.test",
                "'  sip:bob.smith@partner.example '| sip:bob.smith@partner.example",
                "sip:+31201234567@example.test  | sip:+31201234567@example.test",
            })
    void canonical_uris(String given, String canonical) {
        assertThat(ok(ContactListRules.canonicalUri("uri", given))).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''                                  | uri is missing",
                "bob@example.test                    | must be sip:user@domain",
                "sips:bob@example.test               | must be sip:user@domain",
                "tel:+31201234567                    | must be sip:user@domain",
                "sip:example.test                    | has no user part",
                "sip:bob@example.test;transport=tcp  | must have no parameters",
                "sip:bob@example.test?subject=x      | must have no parameters or headers",
                "sip:bob@example.test:5060           | must have no port",
                "sip:b%6Fb@example.test              | invalid user part",
                "sip:bob smith@example.test          | invalid user part",
                "sip:@example.test                   | invalid user part",
                "sip:bob@                            | no valid domain",
                "sip:bob@192.0.2.1                   | no valid domain",
                "sip:bob@exa_mple.test               | no valid domain",
                "sip:bob@-example.test               | no valid domain",
                "sip:bob@example..test               | no valid domain",
            })
    void invalid_uris_are_refused_naming_the_field(String given, String problem) {
        assertThat(reason(ContactListRules.canonicalUri("uri", given)))
                .startsWith("uri")
                .contains(problem);
    }

    @Test
    void add_makes_the_contact_canonical_and_drops_duplicate_groups() {
        ContactList list = ok(ContactListRules.add(
                EMPTY, new Contact("sip:bob@EXAMPLE.test", "  Bob Smith ", List.of("Team", " Team ", "Friends"))));
        assertThat(list.contacts())
                .containsExactly(new Contact("sip:bob@example.test", "Bob Smith", List.of("Team", "Friends")));
        assertThat(list.uris()).containsExactly("sip:bob@example.test");
        assertThat(list.owner()).isEqualTo(ALICE);
    }

    @Test
    void adding_an_existing_uri_replaces_it_in_place() {
        ContactList list = ok(ContactListRules.add(EMPTY, new Contact("sip:bob@example.test", "Bob", List.of("A"))));
        list = ok(ContactListRules.add(list, new Contact("sip:carol@example.test", "", List.of())));
        list = ok(ContactListRules.add(list, new Contact("sip:bob@Example.TEST", "Robert", List.of("B"))));
        assertThat(list.contacts())
                .containsExactly(
                        new Contact("sip:bob@example.test", "Robert", List.of("B")),
                        new Contact("sip:carol@example.test", "", List.of()));
        assertThat(list.groups()).containsExactly("B");
    }

    @Test
    void nobody_is_their_own_contact() {
        assertThat(reason(ContactListRules.add(EMPTY, new Contact("sip:alice@EXAMPLE.test", "me", List.of()))))
                .isEqualTo("uri sip:alice@example.test is the owner of the list: nobody is their own contact");
    }

    @Test
    void every_problem_of_a_contact_is_reported_with_its_field() {
        Checked<Contact> c = ContactListRules.checkContact(
                ALICE, new Contact("sip:bob", "x".repeat(257), List.of("ok", "", "g".repeat(65), "tab\there")));
        assertThat(((Checked.Invalid<Contact>) c).reasons())
                .containsExactly(
                        "uri \"sip:bob\" has no user part: give sip:user@domain",
                        "name is longer than 256 characters (257)",
                        "groups[1] must have 1 to 64 characters (got 0)",
                        "groups[2] must have 1 to 64 characters (got 65)",
                        "groups[3] must not contain control characters");
    }

    @Test
    void limits_are_inclusive() {
        Contact longest = new Contact("sip:bob@example.test", "n".repeat(256), List.of("g".repeat(64)));
        assertThat(ok(ContactListRules.checkContact(ALICE, longest))).isEqualTo(longest);
        assertThat(reason(ContactListRules.checkContact(
                        ALICE, new Contact("sip:bob@example.test", "bell\u0007", List.of()))))
                .isEqualTo("name must not contain control characters");
    }

    @Test
    void a_list_holds_at_most_1000_contacts() {
        ContactList full = new ContactList(
                ALICE,
                IntStream.range(0, 1000)
                        .mapToObj(i -> new Contact("sip:u" + i + "@example.test", "", List.of()))
                        .toList());
        assertThat(reason(ContactListRules.add(full, new Contact("sip:one-more@example.test", "", List.of()))))
                .isEqualTo("uri sip:one-more@example.test cannot be added: a contact list holds at most 1000 contacts");
        // replacing one of the 1000 is still fine
        ContactList replaced = ok(ContactListRules.add(full, new Contact("sip:u7@example.test", "Seven", List.of())));
        assertThat(replaced.contacts()).hasSize(1000);
        assertThat(replaced.find("sip:u7@example.test").orElseThrow().displayName())
                .isEqualTo("Seven");
    }

    @Test
    void a_list_has_at_most_64_groups_across_its_contacts() {
        List<Contact> contacts = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            contacts.add(new Contact("sip:u" + i + "@example.test", "", List.of("group " + i)));
        }
        ContactList list = new ContactList(ALICE, contacts);
        assertThat(ok(ContactListRules.add(list, new Contact("sip:x@example.test", "", List.of("group 3"))))
                        .groups())
                .hasSize(64);
        assertThat(reason(ContactListRules.add(list, new Contact("sip:x@example.test", "", List.of("group 64")))))
                .startsWith("groups: a contact list has at most 64 groups");
        List<String> tooMany = IntStream.range(0, 65).mapToObj(i -> "g" + i).toList();
        assertThat(reason(ContactListRules.checkContact(ALICE, new Contact("sip:x@example.test", "", tooMany))))
                .isEqualTo("groups: at most 64 groups (got 65)");
    }

    @Test
    void remove_takes_the_canonical_uri_and_is_idempotent() {
        ContactList list = ok(ContactListRules.add(EMPTY, new Contact("sip:bob@example.test", "Bob", List.of())));
        assertThat(ok(ContactListRules.remove(list, "sip:bob@EXAMPLE.test")).contacts())
                .isEmpty();
        assertThat(ok(ContactListRules.remove(EMPTY, "sip:bob@example.test"))).isEqualTo(EMPTY);
        assertThat(reason(ContactListRules.remove(list, "bob"))).startsWith("uri \"bob\" must be sip:user@domain");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "sip:Bob@Example.test    | sip:bob@example.test",
                "Partner.Example         | partner.example",
                "' example.test '        | example.test",
            })
    void access_keys_are_watcher_aors_or_domains_lower_cased(String key, String canonical) {
        assertThat(ok(AccessRules.canonicalKey(ALICE, key))).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''                       | watcher is missing",
                "sip:alice@EXAMPLE.test   | watcher sip:alice@example.test is the user themself",
                "bob@example.test         | watcher \"bob@example.test\" must be sip:user@domain",
                "sip:bob@x.test;user=phone| watcher \"sip:bob@x.test;user=phone\" must have no parameters",
                "partner_example          | watcher \"partner_example\" has no valid domain",
                "10.0.0.1                 | watcher \"10.0.0.1\" has no valid domain",
            })
    void bad_access_keys_are_refused(String key, String problem) {
        assertThat(reason(AccessRules.canonicalKey(ALICE, key))).startsWith(problem);
    }
}
