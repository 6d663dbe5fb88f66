package io.switchboard.addressbook.files;

import io.switchboard.addressbook.domain.AddressEntry;
import io.switchboard.addressbook.domain.Attribute;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * The address book as a remote phonebook for desk phones (issue 14, item 5), in the two XML shapes most desk
 * phones read:
 *
 * <ul>
 *   <li>{@link Dialect#YEALINK}: {@code <YealinkIPPhoneDirectory>} with one {@code <DirectoryEntry>} per person, a
 *       {@code <Name>} and a {@code <Telephone>} per number (the XML-object directory format of Yealink's remote
 *       phone book, shaped like Cisco's {@code CiscoIPPhoneDirectory}; Fanvil and others read it too);
 *   <li>{@link Dialect#SNOM}: snom's {@code <tbook complete="true">} with one {@code <item>} per number ({@code
 *       <name>}, {@code <number>}, a unique {@code index}).
 * </ul>
 *
 * Numbers, in the order a phone dials the first: the SIP address (user@host, so calls to our users stay in the
 * pool), then the work, mobile and home numbers as E.164 (the extension left out: a desk phone dials the string as
 * it is, and {@code ;ext=} is not dialable). Entries are ordered by name, case-insensitively. Characters XML 1.0
 * cannot carry (control characters from a directory) are dropped.
 */
public final class DeskPhonebook {

    public enum Dialect {
        YEALINK,
        SNOM;

        /** {@code yealink} or {@code snom}; empty for anything else. */
        public static Optional<Dialect> byName(String name) {
            for (Dialect d : values()) {
                if (d.name().equalsIgnoreCase(name.strip())) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }
    }

    private static final XMLOutputFactory XML = XMLOutputFactory.newFactory();
    private static final List<Attribute> PHONES = List.of(Attribute.TELEPHONE, Attribute.MOBILE, Attribute.HOME);

    private DeskPhonebook() {}

    public static byte[] render(Collection<AddressEntry> entries, Dialect dialect) {
        List<AddressEntry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> {
            int byName = name(a).compareToIgnoreCase(name(b));
            return byName != 0 ? byName : a.id().compareTo(b.id());
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XML.createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            if (dialect == Dialect.YEALINK) {
                yealink(w, sorted);
            } else {
                snom(w, sorted);
            }
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("writing the phonebook", e); // in-memory output: cannot fail
        }
        out.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static void yealink(XMLStreamWriter w, List<AddressEntry> entries) throws XMLStreamException {
        w.writeStartElement("YealinkIPPhoneDirectory");
        w.writeCharacters("\n");
        for (AddressEntry e : entries) {
            List<String> numbers = numbers(e);
            if (numbers.isEmpty()) {
                continue; // nothing to dial
            }
            w.writeCharacters("  ");
            w.writeStartElement("DirectoryEntry");
            element(w, "Name", name(e));
            for (String n : numbers) {
                element(w, "Telephone", n);
            }
            w.writeEndElement();
            w.writeCharacters("\n");
        }
        w.writeEndElement();
    }

    private static void snom(XMLStreamWriter w, List<AddressEntry> entries) throws XMLStreamException {
        w.writeStartElement("tbook");
        w.writeAttribute("complete", "true"); // the phone replaces what it had: removed people disappear
        w.writeCharacters("\n");
        int index = 0;
        for (AddressEntry e : entries) {
            for (String n : numbers(e)) {
                w.writeCharacters("  ");
                w.writeStartElement("item");
                w.writeAttribute("context", "active");
                w.writeAttribute("type", "none");
                w.writeAttribute("index", Integer.toString(index++));
                element(w, "name", name(e));
                element(w, "number", n);
                w.writeEndElement();
                w.writeCharacters("\n");
            }
        }
        w.writeEndElement();
    }

    private static void element(XMLStreamWriter w, String name, String text) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(xmlSafe(text));
        w.writeEndElement();
    }

    static List<String> numbers(AddressEntry e) {
        List<String> numbers = new ArrayList<>();
        e.get(Attribute.SIP_URI)
                .ifPresent(uri -> numbers.add(uri.regionMatches(true, 0, "sip:", 0, 4) ? uri.substring(4) : uri));
        for (Attribute phone : PHONES) {
            e.get(phone).map(DeskPhonebook::withoutExtension).ifPresent(numbers::add);
        }
        return numbers;
    }

    private static String withoutExtension(String number) {
        int ext = number.toLowerCase(Locale.ROOT).indexOf(";ext=");
        return ext < 0 ? number : number.substring(0, ext);
    }

    static String name(AddressEntry e) {
        return e.get(Attribute.DISPLAY_NAME)
                .or(() -> e.get(Attribute.GIVEN_NAME)
                        .flatMap(g -> e.get(Attribute.SURNAME).map(s -> g + " " + s)))
                .orElse(e.id());
    }

    /** Drops what XML 1.0 cannot carry (section 2.2: Char), so a stray control character cannot break the file. */
    static String xmlSafe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c == 0x9
                    || c == 0xA
                    || c == 0xD
                    || (c >= 0x20 && c <= 0xD7FF)
                    || (c >= 0xE000 && c <= 0xFFFD)
                    || c >= 0x10000) {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
