package io.switchboard.addressbook.files;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.UUID;

/**
 * The address book as vCard 4.0 (RFC 6350), one card per entry, for mail clients and phones that import
 * contacts (issue 14, item 5).
 *
 * <ul>
 *   <li>{@code UID}: a name-based UUID of the entry's id (section 6.7.6), so a re-import updates a contact
 *       instead of duplicating it, and the id itself (a DN, a mail) is not repeated;
 *   <li>{@code FN} (required, section 6.2.1), {@code N} (surname; given), {@code EMAIL}, {@code TITLE},
 *       {@code ORG} (company; department), {@code IMPP} with the SIP URI (section 6.4.3);
 *   <li>{@code TEL} as a {@code tel:} URI (section 6.4.1, {@code VALUE=uri}), typed work / cell / home, with the
 *       extension as RFC 3966's {@code ;ext=};
 *   <li>text values escaped as section 3.4 says (backslash, comma, semicolon, newline); lines folded at 75
 *       octets (section 3.2) without splitting a UTF-8 sequence; CRLF line ends.
 * </ul>
 */
public final class VCards {

    private static final int FOLD_AT = 75;

    private VCards() {}

    public static byte[] render(Collection<AddressEntry> entries) {
        StringBuilder out = new StringBuilder();
        for (AddressEntry e : entries) {
            card(out, e);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void card(StringBuilder out, AddressEntry e) {
        line(out, "BEGIN:VCARD");
        line(out, "VERSION:4.0");
        line(out, "UID:urn:uuid:" + UUID.nameUUIDFromBytes(e.id().getBytes(StandardCharsets.UTF_8)));
        line(out, "FN:" + text(DeskPhonebook.name(e)));
        if (e.get(Attribute.SURNAME).isPresent() || e.get(Attribute.GIVEN_NAME).isPresent()) {
            // N: family; given; additional; prefixes; suffixes (section 6.2.2)
            line(
                    out,
                    "N:" + text(e.get(Attribute.SURNAME).orElse("")) + ";"
                            + text(e.get(Attribute.GIVEN_NAME).orElse("")) + ";;;");
        }
        e.get(Attribute.MAIL).ifPresent(m -> line(out, "EMAIL;TYPE=work:" + text(m)));
        e.get(Attribute.SIP_URI).ifPresent(s -> line(out, "IMPP;PREF=1:" + uri(s)));
        e.get(Attribute.TELEPHONE).ifPresent(t -> line(out, "TEL;VALUE=uri;TYPE=\"work,voice\":tel:" + uri(t)));
        e.get(Attribute.MOBILE).ifPresent(t -> line(out, "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:" + uri(t)));
        e.get(Attribute.HOME).ifPresent(t -> line(out, "TEL;VALUE=uri;TYPE=\"home,voice\":tel:" + uri(t)));
        e.get(Attribute.TITLE).ifPresent(t -> line(out, "TITLE:" + text(t)));
        if (e.get(Attribute.COMPANY).isPresent() || e.get(Attribute.DEPARTMENT).isPresent()) {
            line(
                    out,
                    "ORG:" + text(e.get(Attribute.COMPANY).orElse(""))
                            + e.get(Attribute.DEPARTMENT)
                                    .map(d -> ";" + text(d))
                                    .orElse(""));
        }
        line(out, "END:VCARD");
    }

    /** A URI value is not escaped (section 3.4 is for text), so nothing that could end the line gets through. */
    static String uri(String value) {
        StringBuilder b = new StringBuilder(value.length());
        value.chars().filter(c -> c > 0x20 && c != 0x7f).forEach(c -> b.append((char) c));
        return b.toString();
    }

    /** Section 3.4: backslash, comma and semicolon are escaped in text values, a newline is written {@code \n}. */
    static String text(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case ',' -> b.append("\\,");
                case ';' -> b.append("\\;");
                case '\n' -> b.append("\\n");
                case '\r' -> {} // CRLF in a value becomes one \n
                default -> {
                    if (c >= 0x20 || c == '\t') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** Section 3.2: a line longer than 75 octets continues on the next after CRLF and one space. */
    static void line(StringBuilder out, String content) {
        int octets = 0;
        for (int i = 0; i < content.length(); ) {
            int cp = content.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (octets + size > FOLD_AT) {
                out.append("\r\n ");
                octets = 1; // the leading space counts
            }
            out.appendCodePoint(cp);
            octets += size;
            i += Character.charCount(cp);
        }
        out.append("\r\n");
    }
}
