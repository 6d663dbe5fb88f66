package io.switchboard.addressbook.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The desk-phone phonebooks and vCards rendered from address book entries. */
class ExportsTest {

    private static final AddressEntry ANN = new AddressEntry(
            "cn=ann,ou=people",
            Map.of(
                    Attribute.DISPLAY_NAME, "Ann <Arts> & Co",
                    Attribute.GIVEN_NAME, "Ann",
                    Attribute.SURNAME, "Arts, Jr.",
                    Attribute.MAIL, "ann@example.com",
                    Attribute.SIP_URI, "sip:ann@example.com",
                    Attribute.TELEPHONE, "+31205550101;ext=12",
                    Attribute.MOBILE, "+31612345678",
                    Attribute.TITLE, "Head of R;D\nAmsterdam",
                    Attribute.COMPANY, "Example B.V.",
                    Attribute.DEPARTMENT, "Research"));
    private static final AddressEntry BOB = new AddressEntry(
            "cn=bob", Map.of(Attribute.DISPLAY_NAME, "bob \u0007Brown", Attribute.TELEPHONE, "+31205550102"));
    private static final AddressEntry NOBODY =
            new AddressEntry("cn=nobody", Map.of(Attribute.DISPLAY_NAME, "No Number", Attribute.TITLE, "Ghost"));

    private static Document xml(byte[] bytes) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
    }

    private static List<String> texts(NodeList nodes) {
        return java.util.stream.IntStream.range(0, nodes.getLength())
                .mapToObj(i -> nodes.item(i).getTextContent())
                .toList();
    }

    @Test
    void yealinkDirectoryHasOneEntryPerPersonWithDialableNumbersSipFirst() throws Exception {
        byte[] bytes = DeskPhonebook.render(List.of(NOBODY, BOB, ANN), DeskPhonebook.Dialect.YEALINK);
        Document doc = xml(bytes);
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("YealinkIPPhoneDirectory");
        NodeList entries = doc.getElementsByTagName("DirectoryEntry");
        assertThat(entries.getLength()).isEqualTo(2); // nobody has nothing to dial
        // ordered by name, case-insensitively; markup in a name is text, a control character is dropped
        assertThat(texts(doc.getElementsByTagName("Name"))).containsExactly("Ann <Arts> & Co", "bob Brown");
        assertThat(texts(doc.getElementsByTagName("Telephone")))
                .containsExactly("ann@example.com", "+31205550101", "+31612345678", "+31205550102");
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("Ann &lt;Arts&gt; &amp; Co");
    }

    @Test
    void snomTbookHasOneItemPerNumberWithUniqueIndexes() throws Exception {
        Document doc = xml(DeskPhonebook.render(List.of(BOB, ANN), DeskPhonebook.Dialect.SNOM));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("tbook");
        assertThat(doc.getDocumentElement().getAttribute("complete")).isEqualTo("true");
        NodeList items = doc.getElementsByTagName("item");
        assertThat(items.getLength()).isEqualTo(4);
        assertThat(java.util.stream.IntStream.range(0, 4)
                        .mapToObj(i -> ((org.w3c.dom.Element) items.item(i)).getAttribute("index")))
                .containsExactly("0", "1", "2", "3");
        assertThat(texts(doc.getElementsByTagName("name")))
                .containsExactly("Ann <Arts> & Co", "Ann <Arts> & Co", "Ann <Arts> & Co", "bob Brown");
        assertThat(texts(doc.getElementsByTagName("number")))
                .containsExactly("ann@example.com", "+31205550101", "+31612345678", "+31205550102");
    }

    @Test
    void vcardFollowsRfc6350() {
        String cards = new String(VCards.render(List.of(ANN, NOBODY)), StandardCharsets.UTF_8);
        String ann = cards.substring(0, cards.indexOf("END:VCARD") + "END:VCARD\r\n".length());
        assertThat(ann)
                .isEqualTo("BEGIN:VCARD\r\n"
                        + "VERSION:4.0\r\n"
                        + "UID:urn:uuid:"
                        + java.util.UUID.nameUUIDFromBytes("cn=ann,ou=people".getBytes(StandardCharsets.UTF_8)) + "\r\n"
                        + "FN:Ann <Arts> & Co\r\n"
                        + "N:Arts\\, Jr.;Ann;;;\r\n"
                        + "EMAIL;TYPE=work:ann@example.com\r\n"
                        + "IMPP;PREF=1:sip:ann@example.com\r\n"
                        + "TEL;VALUE=uri;TYPE=\"work,voice\":tel:+31205550101;ext=12\r\n"
                        + "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+31612345678\r\n"
                        + "TITLE:Head of R\\;D\\nAmsterdam\r\n"
                        + "ORG:Example B.V.;Research\r\n"
                        + "END:VCARD\r\n");
        assertThat(cards)
                .endsWith("FN:No Number\r\nTITLE:Ghost\r\nEND:VCARD\r\n")
                .doesNotContain("cn=");
    }

    @Test
    void longVcardLinesFoldAt75OctetsWithoutSplittingCharacters() {
        StringBuilder out = new StringBuilder();
        VCards.line(out, "TITLE:" + "é".repeat(60)); // 6 + 120 octets
        String[] lines = out.toString().split("\r\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0].getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(75);
        assertThat(lines[1]).startsWith(" ");
        assertThat(lines[1].getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(75);
        assertThat(lines[0] + lines[1].substring(1)).isEqualTo("TITLE:" + "é".repeat(60)); // unfolding restores it
    }

    @Test
    void aUriValueCannotInjectAProperty() {
        AddressEntry evil = new AddressEntry(
                "cn=evil", Map.of(Attribute.DISPLAY_NAME, "Evil", Attribute.SIP_URI, "sip:e@x\r\nTEL:+1900"));
        String card = new String(VCards.render(List.of(evil)), StandardCharsets.UTF_8);
        assertThat(card).contains("IMPP;PREF=1:sip:e@xTEL:+1900\r\n").doesNotContain("\r\nTEL:");
    }
}
