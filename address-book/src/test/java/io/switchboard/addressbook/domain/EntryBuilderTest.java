package io.switchboard.addressbook.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.numbers.Normalization;
import io.switchboard.addressbook.numbers.NumberRule;
import io.switchboard.addressbook.numbers.NumberRules;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntryBuilderTest {

    private static final NumberRules RULES = new NumberRules(List.of(NumberRule.of(1, "0(\\d{9})", "+31$1")));

    private static DirectoryEntry dir(String id, Map<Attribute, String> values) {
        return new DirectoryEntry(id, values);
    }

    @Test
    void phonesAreNormalizedAndFailuresListedNotKept() {
        EntryBuilder.Built built = EntryBuilder.build(
                List.of(dir(
                        "cn=ann",
                        Map.of(
                                Attribute.DISPLAY_NAME, "Ann",
                                Attribute.TELEPHONE, "020 555 0101 x12",
                                Attribute.MOBILE, "ask reception",
                                Attribute.HOME, "12345"))),
                List.of(),
                true,
                RULES,
                Visibility.ALL);
        assertThat(built.entries().get("cn=ann").values())
                .containsExactly(
                        Map.entry(Attribute.DISPLAY_NAME, "Ann"),
                        Map.entry(Attribute.TELEPHONE, "+31205550101;ext=12"));
        assertThat(built.numbers().total()).isEqualTo(2);
        assertThat(built.numbers().byReason())
                .containsOnly(
                        Map.entry(Normalization.Reason.INVALID_CHARACTERS, 1),
                        Map.entry(Normalization.Reason.NO_RULE_MATCHED, 1));
        assertThat(built.numbers().examples())
                .extracting(NumberReport.Example::toString)
                .containsExactly(
                        "cn=ann mobile 'ask reception': not a number: unexpected 'a'",
                        "cn=ann home '12345': no rule matched 12345 and it is not E.164");
    }

    @Test
    void anAccountsSipUriWinsWhenSipUriOrMailMatches() {
        EntryBuilder.Built built = EntryBuilder.build(
                List.of(
                        dir("cn=ann", Map.of(Attribute.DISPLAY_NAME, "Ann A", Attribute.MAIL, "Ann@Example.com")),
                        dir(
                                "cn=bob",
                                Map.of(
                                        Attribute.DISPLAY_NAME, "Bob B",
                                        Attribute.SIP_URI, "SIP:bob@EXAMPLE.com",
                                        Attribute.TITLE, "Engineer")),
                        dir("cn=cid", Map.of(Attribute.DISPLAY_NAME, "Cid", Attribute.SIP_URI, "cid@Other.example"))),
                List.of(
                        new OwnAccount("sip:ann@example.com", "Ann (account)", ""),
                        new OwnAccount("sip:bob@example.com", "", ""),
                        new OwnAccount("sip:dan@example.com", "Dan D", "020 555 0199"),
                        new OwnAccount("sip:eve@example.com", "", "")),
                true,
                RULES,
                Visibility.ALL);
        assertThat(built.accountsMerged()).isEqualTo(2);
        assertThat(built.accountsAdded()).isEqualTo(2);
        assertThat(built.entries().keySet())
                .containsExactly("cn=ann", "cn=bob", "cn=cid", "sip:dan@example.com", "sip:eve@example.com");
        // the directory gives the other attributes, the account the SIP URI
        assertThat(built.entries().get("cn=ann").values())
                .containsExactly(
                        Map.entry(Attribute.DISPLAY_NAME, "Ann A"),
                        Map.entry(Attribute.MAIL, "Ann@Example.com"),
                        Map.entry(Attribute.SIP_URI, "sip:ann@example.com"));
        assertThat(built.entries().get("cn=bob").get(Attribute.TITLE)).contains("Engineer");
        assertThat(built.entries().get("cn=cid").get(Attribute.SIP_URI)).contains("sip:cid@other.example");
        assertThat(built.entries().get("sip:dan@example.com").values())
                .containsExactly(
                        Map.entry(Attribute.DISPLAY_NAME, "Dan D"),
                        Map.entry(Attribute.SIP_URI, "sip:dan@example.com"),
                        Map.entry(Attribute.TELEPHONE, "+31205550199"));
        assertThat(built.entries().get("sip:eve@example.com").get(Attribute.DISPLAY_NAME))
                .contains("eve");
    }

    @Test
    void accountsTheDirectoryLacksCanBeLeftOut() {
        EntryBuilder.Built built = EntryBuilder.build(
                List.of(dir("cn=ann", Map.of(Attribute.DISPLAY_NAME, "Ann", Attribute.MAIL, "ann@example.com"))),
                List.of(new OwnAccount("sip:ann@example.com", "", ""), new OwnAccount("sip:dan@example.com", "", "")),
                false,
                RULES,
                Visibility.ALL);
        assertThat(built.entries().keySet()).containsExactly("cn=ann");
        assertThat(built.entries().get("cn=ann").get(Attribute.SIP_URI)).contains("sip:ann@example.com");
        assertThat(built.accountsAdded()).isZero();
    }

    @Test
    void hiddenAttributesAreDroppedBeforeNormalizingAndNeverReported() {
        EntryBuilder.Built built = EntryBuilder.build(
                List.of(dir(
                        "cn=ann",
                        Map.of(
                                Attribute.DISPLAY_NAME, "Ann",
                                Attribute.TELEPHONE, "020 555 0101",
                                Attribute.MOBILE, "06 1234 5678",
                                Attribute.HOME, "ask reception"))),
                List.of(new OwnAccount("sip:dan@example.com", "Dan", "020 555 0199")),
                true,
                RULES,
                Visibility.DEFAULT);
        assertThat(built.entries().get("cn=ann").values())
                .containsOnlyKeys(Attribute.DISPLAY_NAME, Attribute.TELEPHONE);
        assertThat(built.numbers().total()).isZero(); // the unparseable home number was never looked at
        assertThat(built.entries().get("sip:dan@example.com").get(Attribute.TELEPHONE))
                .contains("+31205550199");

        EntryBuilder.Built noPhones = EntryBuilder.build(
                List.of(),
                List.of(new OwnAccount("sip:dan@example.com", "Dan", "020 555 0199")),
                true,
                RULES,
                Visibility.hiding(List.of("telephone", "mobile", "home")));
        assertThat(noPhones.entries().get("sip:dan@example.com").values())
                .containsOnlyKeys(Attribute.DISPLAY_NAME, Attribute.SIP_URI);
    }
}
