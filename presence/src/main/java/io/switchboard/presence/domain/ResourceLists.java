package io.switchboard.presence.domain;

import io.switchboard.presence.domain.PidfParser.Reject;
import io.switchboard.presence.domain.PidfParser.Xml;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads the URIs of an RFC 4826 resource-lists document, as sent in the body of a SUBSCRIBE to
 * an ad-hoc list (RFC 5367) or stored as a user's contact list: every {@code <entry uri>} of
 * every {@code <list>}, nested lists included. {@code <entry-ref>} and {@code <external>}
 * (RFC 4826) point into XCAP documents we do not serve, so they are skipped, as are
 * elements of other namespaces. Same secure reader as {@link PidfParser} (no DTD, no entities).
 */
public final class ResourceLists {

    public static final String NS = "urn:ietf:params:xml:ns:resource-lists";

    public sealed interface Result permits Ok, Invalid {}

    /** @param uris the entries' URIs, trimmed, in document order, without duplicates */
    public record Ok(List<String> uris) implements Result {
        public Ok {
            uris = List.copyOf(uris);
        }
    }

    /** @param reason one ASCII line for a 400 reason phrase */
    public record Invalid(String reason) implements Result {}

    private static final String LABEL = "Resource list";

    /** Schemes a presence subscription can target (RFC 3856 sip:/sips:, RFC 3859 pres:). */
    private static final List<String> SCHEMES = List.of("sip:", "sips:", "pres:");

    private enum Kind {
        ROOT,
        LIST
    }

    private ResourceLists() {}

    /**
     * @param maxEntries the most distinct URIs accepted; reading stops as soon as there are more,
     *                   so the work a hostile list causes is bounded by the limit
     */
    public static Result parse(byte[] body, int maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries below 0: " + maxEntries);
        }
        if (Xml.isBlank(body)) {
            return new Invalid("Resource list: empty body");
        }
        XMLStreamReader r = null;
        try {
            r = Xml.open(body, LABEL);
            return new Ok(List.copyOf(read(r, maxEntries)));
        } catch (Reject e) {
            return new Invalid(e.reason);
        } catch (XMLStreamException | RuntimeException e) {
            // RuntimeException: whatever the reader throws on hostile input must end as a 400,
            // never escape to the SIP thread.
            return new Invalid(Xml.malformed(LABEL, e));
        } finally {
            Xml.close(r);
        }
    }

    private static Set<String> read(XMLStreamReader r, int maxEntries) throws XMLStreamException, Reject {
        Xml.toRoot(r, LABEL);
        if (!is(r, "resource-lists")) {
            throw new Reject("Resource list: root element must be resource-lists (" + NS + ")");
        }
        Set<String> uris = new LinkedHashSet<>();
        Deque<Kind> open = new ArrayDeque<>();
        open.push(Kind.ROOT);
        while (!open.isEmpty()) {
            int event = r.next();
            if (event == XMLStreamConstants.END_ELEMENT) {
                open.pop();
            } else if (event == XMLStreamConstants.START_ELEMENT) {
                if (is(r, "list")) {
                    // RFC 4826: lists at the top level and inside lists.
                    open.push(Kind.LIST);
                } else {
                    if (open.peek() == Kind.LIST && is(r, "entry")) {
                        uris.add(uri(r));
                        if (uris.size() > maxEntries) {
                            throw new Reject("Resource list has more than " + maxEntries + " entries");
                        }
                    }
                    // entry content (display-name), entry-ref, external, other namespaces
                    Xml.skip(r);
                }
            }
        }
        Xml.drain(r);
        return uris;
    }

    private static boolean is(XMLStreamReader r, String localName) {
        return NS.equals(r.getNamespaceURI()) && localName.equals(r.getLocalName());
    }

    private static String uri(XMLStreamReader r) throws Reject {
        String uri = Xml.attribute(r, "uri");
        if (uri == null || uri.isBlank()) {
            throw new Reject("Resource list: entry without uri");
        }
        uri = uri.trim();
        String lower = uri.toLowerCase(Locale.ROOT);
        for (String scheme : SCHEMES) {
            if (lower.startsWith(scheme) && lower.length() > scheme.length()) {
                return uri;
            }
        }
        throw new Reject("Resource list: entry uri '" + Xml.printable(uri, 80) + "' is not a sip:, sips: or pres: URI");
    }
}
