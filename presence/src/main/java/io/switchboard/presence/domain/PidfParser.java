package io.switchboard.presence.domain;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads a published PIDF document (RFC 3863) with the data model (RFC 4479), RPID (RFC 4480)
 * and the Switchboard extension into a {@link PidfDocument}. Bad input is a value
 * ({@link Invalid}) whose reason can go straight into a 400 reason phrase.
 *
 * <p>Namespace-aware: elements are matched by namespace URI and local name, never by prefix.
 * Elements and namespaces we do not know are skipped, as RFC 3863 asks of receivers
 * (extensibility through namespaces). The walk is iterative, so a deeply nested body cannot
 * overflow the stack. No size limit here: the SIP adapter bounds the body first.
 */
public final class PidfParser {

    public static final String PIDF_NS = "urn:ietf:params:xml:ns:pidf";
    public static final String DATA_MODEL_NS = "urn:ietf:params:xml:ns:pidf:data-model";
    public static final String RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid";
    public static final String SWITCHBOARD_NS = "urn:switchboard:params:xml:ns:presence";

    public sealed interface Result permits Ok, Invalid {}

    public record Ok(PidfDocument document) implements Result {}

    /** @param reason one ASCII line, e.g. "PIDF: presence element has no entity attribute" */
    public record Invalid(String reason) implements Result {}

    private static final String LABEL = "PIDF";

    private PidfParser() {}

    public static Result parse(byte[] body) {
        if (Xml.isBlank(body)) {
            return new Invalid("PIDF: empty body");
        }
        XMLStreamReader r = null;
        try {
            r = Xml.open(body, LABEL);
            return new Ok(new Walk(r).run());
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

    /** What an open element is, as far as PIDF is concerned. */
    private enum Kind {
        ROOT,
        TUPLE,
        PERSON,
        DEVICE,
        ACTIVITIES,
        OTHER
    }

    /**
     * One open element: its kind, and the nearest tuple / person / device around it (the
     * "owner"), because RPID elements may sit at any depth under one (older clients put them
     * inside {@code <status>}).
     */
    private record Frame(Kind kind, Kind owner) {}

    /** One pass over one document; collects what {@link PidfDocument} needs. */
    private static final class Walk {
        private final XMLStreamReader r;
        private final Deque<Frame> open = new ArrayDeque<>();
        private final Set<String> contacts = new LinkedHashSet<>();
        private final Set<String> activities = new LinkedHashSet<>();
        private boolean anyOpen;
        private boolean anyClosed;
        private boolean anyActive;
        private boolean anyIdle;
        private String personNote;
        private String presenceNote;
        private String tupleNote;
        private String state;
        private Integer customState;

        Walk(XMLStreamReader r) {
            this.r = r;
        }

        PidfDocument run() throws XMLStreamException, Reject {
            Xml.toRoot(r, LABEL);
            if (!PIDF_NS.equals(r.getNamespaceURI()) || !"presence".equals(r.getLocalName())) {
                throw new Reject("PIDF: root element must be presence (" + PIDF_NS + ")");
            }
            String entity = Xml.attribute(r, "entity");
            if (entity == null || entity.isBlank()) {
                throw new Reject("PIDF: presence element has no entity attribute");
            }
            open.push(new Frame(Kind.ROOT, Kind.ROOT));
            while (!open.isEmpty()) {
                int event = r.next();
                if (event == XMLStreamConstants.START_ELEMENT) {
                    element(open.peek());
                } else if (event == XMLStreamConstants.END_ELEMENT) {
                    open.pop();
                }
            }
            Xml.drain(r);
            String basic = anyOpen ? "open" : anyClosed ? "closed" : null;
            String userInput = anyActive ? "active" : anyIdle ? "idle" : null;
            String note = personNote != null ? personNote : presenceNote != null ? presenceNote : tupleNote;
            return new PidfDocument(
                    entity.trim(), basic, List.copyOf(contacts), activities, userInput, note, state, customState);
        }

        /** At a START_ELEMENT whose parent is {@code parent}: read it, or open a frame for it. */
        private void element(Frame parent) throws XMLStreamException, Reject {
            String ns = r.getNamespaceURI();
            String name = r.getLocalName();
            if (parent.kind() == Kind.ACTIVITIES) {
                activity(ns, name);
                return;
            }
            if (PIDF_NS.equals(ns) || DATA_MODEL_NS.equals(ns)) {
                if (pidfElement(parent, ns, name)) {
                    return;
                }
            } else if (RPID_NS.equals(ns)) {
                if (rpidElement(parent, name)) {
                    return;
                }
            } else if (SWITCHBOARD_NS.equals(ns)) {
                if (switchboardElement(name)) {
                    return;
                }
            }
            open.push(new Frame(Kind.OTHER, parent.owner()));
        }

        /** PIDF and data-model elements; true when the element has been consumed. */
        private boolean pidfElement(Frame parent, String ns, String name) throws XMLStreamException, Reject {
            boolean pidf = PIDF_NS.equals(ns);
            if (parent.kind() == Kind.ROOT) {
                Kind kind = pidf && name.equals("tuple")
                        ? Kind.TUPLE
                        : !pidf && name.equals("person")
                                ? Kind.PERSON
                                : !pidf && name.equals("device") ? Kind.DEVICE : null;
                if (kind != null) {
                    open.push(new Frame(kind, kind));
                    return true;
                }
            }
            if (name.equals("note")) {
                note(parent.kind(), Xml.text(r, "PIDF: note"));
                return true;
            }
            if (pidf && parent.owner() == Kind.TUPLE && name.equals("basic")) {
                basic(Xml.text(r, "PIDF: basic"));
                return true;
            }
            if (pidf && parent.owner() == Kind.TUPLE && name.equals("contact")) {
                String contact = Xml.text(r, "PIDF: contact").trim();
                if (!contact.isEmpty()) {
                    contacts.add(contact);
                }
                return true;
            }
            return false;
        }

        /** RPID (RFC 4480 activities and user-input); true when the element has been consumed. */
        private boolean rpidElement(Frame parent, String name) throws XMLStreamException, Reject {
            Kind owner = parent.owner();
            if (name.equals("activities") && (owner == Kind.PERSON || owner == Kind.TUPLE)) {
                open.push(new Frame(Kind.ACTIVITIES, owner));
                return true;
            }
            if (name.equals("user-input") && owner != Kind.ROOT) {
                String value = Xml.text(r, "PIDF: user-input").trim().toLowerCase(Locale.ROOT);
                switch (value) {
                    case "active" -> anyActive = true;
                    case "idle" -> anyIdle = true;
                    default -> throw new Reject("PIDF: user-input must be active or idle");
                }
                return true;
            }
            return false;
        }

        /** Our extension: the explicit user state and the custom state index. */
        private boolean switchboardElement(String name) throws XMLStreamException, Reject {
            if (name.equals("state")) {
                String value = Xml.text(r, "PIDF: state").trim().toLowerCase(Locale.ROOT);
                if (state == null) {
                    state = value;
                }
                return true;
            }
            if (name.equals("custom-state")) {
                int value = customState(Xml.text(r, "PIDF: custom-state"));
                if (customState == null) {
                    customState = value;
                }
                return true;
            }
            return false;
        }

        /**
         * A child of {@code <rpid:activities>}: its local name is the activity (RFC 4480
         * activities), whatever its namespace, so extension activities count too. {@code <note>} is the
         * activities' description and {@code <other>} free text, neither an activity token.
         */
        private void activity(String ns, String name) throws XMLStreamException {
            boolean describes = RPID_NS.equals(ns) && (name.equals("note") || name.equals("other"));
            if (!describes) {
                activities.add(name.toLowerCase(Locale.ROOT));
            }
            Xml.skip(r);
        }

        private void note(Kind where, String text) {
            String value = text.trim();
            switch (where) {
                case PERSON -> personNote = personNote == null ? value : personNote;
                case ROOT -> presenceNote = presenceNote == null ? value : presenceNote;
                case TUPLE -> tupleNote = tupleNote == null ? value : tupleNote;
                default -> {
                    // device notes and notes inside unknown elements say nothing about the user
                }
            }
        }

        /** RFC 3863 {@code <basic>}: basic is "open" or "closed" (case-insensitive, for lax clients). */
        private void basic(String text) throws Reject {
            switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "open" -> anyOpen = true;
                case "closed" -> anyClosed = true;
                default -> throw new Reject("PIDF: basic must be open or closed");
            }
        }

        private static int customState(String text) throws Reject {
            String t = text.trim();
            if (t.length() == 1 && t.charAt(0) >= '1' && t.charAt(0) <= '4') {
                return t.charAt(0) - '0';
            }
            throw new Reject("PIDF: custom-state must be 1 to 4");
        }
    }

    /** A reason to answer Invalid, found while walking; never escapes this package. */
    static final class Reject extends Exception {
        final String reason;

        Reject(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    /**
     * The one StAX factory of the presence domain and the reading helpers shared with
     * {@link ResourceLists}. Secure by construction: DTDs are not supported and external
     * entities not resolved (no XXE, no entity expansion bombs), and a document that carries a
     * DOCTYPE at all is rejected, because no body we accept needs one.
     */
    static final class Xml {
        // Created once: factories are expensive to build and, once configured, safe to share
        // between threads (creating readers does not mutate the configuration).
        private static final XMLInputFactory FACTORY = create();
        private static final Pattern ENCODING = Pattern.compile("\\sencoding\\s*=\\s*[\"']([^\"']{1,40})[\"']");

        private Xml() {}

        private static XMLInputFactory create() {
            // The JDK's own implementation, whatever else is on the classpath, so the security
            // settings below mean what we tested.
            XMLInputFactory f = XMLInputFactory.newDefaultFactory();
            f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
            f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
            f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
            f.setXMLResolver((publicId, systemId, base, ns) -> {
                throw new XMLStreamException("external resources are not read");
            });
            return f;
        }

        /**
         * A reader over {@code body}, decoded by us first: the JDK reader prints "[Fatal Error]" to
         * stderr on a bad byte sequence before throwing, and a client must not be able to fill
         * our logs that way. The encoding is the BOM's, else the XML declaration's, else UTF-8
         * (XML 1.0 section 4.3.3 and appendix F).
         */
        static XMLStreamReader open(byte[] body, String label) throws XMLStreamException, Reject {
            return FACTORY.createXMLStreamReader(new StringReader(decode(body, label)));
        }

        static String decode(byte[] body, String label) throws Reject {
            int skip = 0;
            Charset charset;
            if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
                charset = StandardCharsets.UTF_8;
                skip = 3;
            } else if (body.length >= 2 && (body[0] & 0xff) == 0xFE && (body[1] & 0xff) == 0xFF) {
                charset = StandardCharsets.UTF_16BE;
                skip = 2;
            } else if (body.length >= 2 && (body[0] & 0xff) == 0xFF && (body[1] & 0xff) == 0xFE) {
                charset = StandardCharsets.UTF_16LE;
                skip = 2;
            } else {
                charset = declaredCharset(body, label);
            }
            try {
                return charset.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body, skip, body.length - skip))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new Reject(label + ": body is not valid " + charset.name());
            }
        }

        /** The encoding named by an XML declaration in an ASCII-compatible body; UTF-8 without one. */
        private static Charset declaredCharset(byte[] body, String label) throws Reject {
            int n = Math.min(body.length, 200);
            String head = new String(body, 0, n, StandardCharsets.ISO_8859_1);
            if (!head.startsWith("<?xml")) {
                return StandardCharsets.UTF_8;
            }
            int end = head.indexOf("?>");
            Matcher m = ENCODING.matcher(end < 0 ? head : head.substring(0, end));
            if (!m.find()) {
                return StandardCharsets.UTF_8;
            }
            try {
                return Charset.forName(m.group(1));
            } catch (IllegalArgumentException e) { // illegal or unsupported charset name
                throw new Reject(label + ": unsupported encoding " + printable(m.group(1), 40));
            }
        }

        static boolean isBlank(byte[] body) {
            if (body == null) {
                return true;
            }
            for (byte b : body) {
                if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                    return false;
                }
            }
            return true;
        }

        /** Moves to the root START_ELEMENT, refusing a DOCTYPE on the way. */
        static void toRoot(XMLStreamReader r, String label) throws XMLStreamException, Reject {
            int event = r.getEventType();
            while (event != XMLStreamConstants.START_ELEMENT) {
                if (event == XMLStreamConstants.DTD) {
                    throw new Reject(label + ": DOCTYPE is not allowed");
                }
                if (event == XMLStreamConstants.END_DOCUMENT || !r.hasNext()) {
                    throw new Reject(label + ": no root element");
                }
                event = r.next();
            }
        }

        /**
         * The text of the current element (character data, CDATA; comments skipped), leaving the
         * reader on its END_ELEMENT. {@code what} names the element in the reason when it holds
         * elements instead of text.
         */
        static String text(XMLStreamReader r, String what) throws XMLStreamException, Reject {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int event = r.next();
                switch (event) {
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                        sb.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                    case XMLStreamConstants.START_ELEMENT -> throw new Reject(what + " must contain only text");
                    case XMLStreamConstants.END_ELEMENT -> {
                        return sb.toString();
                    }
                    case XMLStreamConstants.ENTITY_REFERENCE ->
                        // only possible with a DTD, which we refuse; be explicit anyway
                        throw new Reject(what + " uses an undeclared entity");
                    default -> {
                        // comments, processing instructions
                    }
                }
            }
        }

        /**
         * The unqualified attribute {@code name} of the current element, or null. Not
         * {@code getAttributeValue(null, name)}: a null namespace there matches any namespace,
         * and {@code p:entity} is not the {@code entity} attribute.
         */
        static String attribute(XMLStreamReader r, String name) {
            for (int i = 0; i < r.getAttributeCount(); i++) {
                String ns = r.getAttributeNamespace(i);
                if ((ns == null || ns.isEmpty()) && name.equals(r.getAttributeLocalName(i))) {
                    return r.getAttributeValue(i);
                }
            }
            return null;
        }

        /** Skips the current element and everything inside it; ends on its END_ELEMENT. */
        static void skip(XMLStreamReader r) throws XMLStreamException {
            int depth = 1;
            while (depth > 0) {
                int event = r.next();
                if (event == XMLStreamConstants.START_ELEMENT) {
                    depth++;
                } else if (event == XMLStreamConstants.END_ELEMENT) {
                    depth--;
                }
            }
        }

        /** Reads to the end so that garbage after the root element is still caught. */
        static void drain(XMLStreamReader r) throws XMLStreamException {
            while (r.hasNext()) {
                r.next();
            }
        }

        /** "PIDF: malformed XML at line 3, column 7: <what the parser said>", one ASCII line. */
        static String malformed(String label, Exception e) {
            StringBuilder sb = new StringBuilder(label).append(": malformed XML");
            Location at = e instanceof XMLStreamException x ? x.getLocation() : null;
            if (at != null && at.getLineNumber() > 0) {
                sb.append(" at line ")
                        .append(at.getLineNumber())
                        .append(", column ")
                        .append(at.getColumnNumber());
            }
            String detail = e.getMessage();
            if (detail != null) {
                // The JDK prefixes "ParseError at [row,col]:[..]\nMessage: "; keep only the message.
                int m = detail.lastIndexOf("Message: ");
                detail = printable(m >= 0 ? detail.substring(m + 9) : detail, 100);
                if (detail.startsWith("http")) {
                    // The JDK falls back to a message key for some errors (unbound prefixes).
                    detail = detail.contains("PrefixUnbound") ? "undeclared namespace prefix" : "";
                }
                if (!detail.isEmpty()) {
                    sb.append(": ").append(detail);
                }
            }
            return sb.toString();
        }

        /**
         * {@code s} made safe for a reason phrase: printable ASCII only (anything else becomes
         * '?', so CR/LF can never split a header), at most {@code max} characters.
         */
        static String printable(String s, int max) {
            StringBuilder sb = new StringBuilder(Math.min(s.length(), max + 3));
            for (int i = 0; i < s.length() && sb.length() < max; i++) {
                char c = s.charAt(i);
                sb.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            if (s.length() > max) {
                sb.append("...");
            }
            return sb.toString().trim();
        }

        static void close(XMLStreamReader r) {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // closing a reader over a byte array cannot lose anything
                }
            }
        }
    }
}
