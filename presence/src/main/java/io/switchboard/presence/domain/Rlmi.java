package io.switchboard.presence.domain;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The body of a NOTIFY for a resource list subscription (RFC 4662 section 5): a
 * multipart/related whose root part is the RLMI document (the list, its version, whether it
 * holds the full state, and per resource its subscription instance) followed by one part per
 * resource state being reported (here: the PIDF bodies from {@link PidfWriter}).
 */
public final class Rlmi {

    public static final String NS = "urn:ietf:params:xml:ns:rlmi";

    private static final String CRLF = "\r\n";
    /** Right-hand side of our Content-IDs (RFC 2392: id-left "@" id-right). */
    private static final String CID_DOMAIN = "sb";

    private static final int MAX_CID_LEFT = 64;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BOUNDARY_CHARS =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    /**
     * One resource of the list and the state of its (virtual) subscription.
     *
     * @param uri        the resource, e.g. {@code sip:bob@example.test}
     * @param instanceId the instance id, stable for the life of that subscription (RFC 4662 section 5)
     * @param state      active, pending or terminated
     * @param reason     why a terminated instance ended (an RFC 6665 reason code); null
     *                   otherwise
     * @param pidf       the resource's state as a PIDF body, or null when this NOTIFY carries no
     *                   state for it (typically pending or terminated instances)
     */
    public record Resource(String uri, String instanceId, String state, String reason, String pidf) {
        public Resource {
            requireText(uri, "uri");
            requireText(instanceId, "instanceId");
            if (!"active".equals(state) && !"pending".equals(state) && !"terminated".equals(state)) {
                throw new IllegalArgumentException("instance state must be active, pending or terminated: " + state);
            }
            if (reason != null && !"terminated".equals(state)) {
                throw new IllegalArgumentException("only a terminated instance has a reason");
            }
        }
    }

    /**
     * @param contentType the NOTIFY's Content-Type header value
     * @param text        the NOTIFY body
     */
    public record Body(String contentType, String text) {}

    private Rlmi() {}

    /**
     * @param listUri   the list's URI (the SUBSCRIBE Request-URI)
     * @param version   RLMI version, incremented by one per NOTIFY of this subscription (RFC 4662 section 5)
     * @param fullState true when the body holds every resource (first NOTIFY, after a refresh);
     *                  false when it holds only those that changed
     * @param boundary  the multipart boundary, e.g. from {@link #newBoundary()}
     */
    public static Body build(
            String listUri, int version, boolean fullState, List<Resource> resources, String boundary) {
        requireText(listUri, "listUri");
        Objects.requireNonNull(resources, "resources");
        if (version < 0) {
            throw new IllegalArgumentException("version below 0: " + version);
        }
        checkBoundary(boundary);

        Set<String> used = new HashSet<>();
        String rootCid = unique("rlmi", used) + "@" + CID_DOMAIN;
        String[] cids = new String[resources.size()];
        for (int i = 0; i < cids.length; i++) {
            if (resources.get(i).pidf() != null) {
                cids[i] = unique(safe(resources.get(i).instanceId()), used) + "@" + CID_DOMAIN;
            }
        }

        String delimiter = "--" + boundary;
        StringBuilder sb = new StringBuilder(512 + 160 * resources.size());
        part(sb, delimiter, rootCid, "application/rlmi+xml", rlmi(listUri, version, fullState, resources, cids));
        for (int i = 0; i < cids.length; i++) {
            if (cids[i] != null) {
                part(
                        sb,
                        delimiter,
                        cids[i],
                        "application/pidf+xml",
                        resources.get(i).pidf());
            }
        }
        // RFC 2046 section 5.1.1: the close-delimiter ends the body.
        sb.append(delimiter).append("--").append(CRLF);

        // RFC 4662 section 5 / RFC 2387: the root part is named by start, its type by type.
        String contentType = "multipart/related;type=\"application/rlmi+xml\";start=\"<" + rootCid + ">\";boundary=\""
                + boundary + "\"";
        return new Body(contentType, sb.toString());
    }

    /** A fresh boundary: 32 random letters and digits (RFC 2046 bchars, far below the 70 limit). */
    public static String newBoundary() {
        char[] c = new char[32];
        for (int i = 0; i < c.length; i++) {
            c[i] = BOUNDARY_CHARS[RANDOM.nextInt(BOUNDARY_CHARS.length)];
        }
        return new String(c);
    }

    /** The RLMI document (RFC 4662 section 5, its attributes and schema). */
    private static String rlmi(
            String listUri, int version, boolean fullState, List<Resource> resources, String[] cids) {
        StringBuilder sb = new StringBuilder(256 + 128 * resources.size());
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").append(CRLF);
        sb.append("<list xmlns=\"").append(NS).append("\" uri=\"");
        PidfWriter.escapeAttribute(sb, listUri);
        sb.append("\" version=\"")
                .append(version)
                .append("\" fullState=\"")
                .append(fullState)
                .append("\">")
                .append(CRLF);
        for (int i = 0; i < resources.size(); i++) {
            Resource r = resources.get(i);
            sb.append("<resource uri=\"");
            PidfWriter.escapeAttribute(sb, r.uri());
            sb.append("\"><instance id=\"");
            PidfWriter.escapeAttribute(sb, r.instanceId());
            sb.append("\" state=\"").append(r.state()).append('"');
            if (r.reason() != null) {
                sb.append(" reason=\"");
                PidfWriter.escapeAttribute(sb, r.reason());
                sb.append('"');
            }
            if (cids[i] != null) {
                // the Content-ID without its angle brackets (RFC 4662 section 5)
                sb.append(" cid=\"").append(cids[i]).append('"');
            }
            sb.append("/></resource>").append(CRLF);
        }
        sb.append("</list>");
        return sb.toString();
    }

    /** One body part: delimiter line, headers, blank line, content, CRLF (RFC 2046 section 5.1.1). */
    private static void part(StringBuilder sb, String delimiter, String cid, String type, String content) {
        if (content.contains(delimiter)) {
            // Cannot happen with a random boundary; refuse rather than send a body that splits wrongly.
            throw new IllegalArgumentException("a body part contains the boundary");
        }
        sb.append(delimiter)
                .append(CRLF)
                .append("Content-Transfer-Encoding: binary")
                .append(CRLF)
                .append("Content-ID: <")
                .append(cid)
                .append('>')
                .append(CRLF)
                .append("Content-Type: ")
                .append(type)
                .append(";charset=\"UTF-8\"")
                .append(CRLF)
                .append(CRLF)
                .append(content)
                .append(CRLF);
    }

    /**
     * An instance id reduced to characters that are safe everywhere a Content-ID goes: in a MIME
     * header (RFC 2392 / RFC 5322 dot-atom-text), in an XML attribute and in a cid: URL without
     * escaping. Letters, digits, '-' and '_' only; anything else becomes '-'.
     */
    static String safe(String id) {
        StringBuilder sb = new StringBuilder(Math.min(id.length(), MAX_CID_LEFT));
        for (int i = 0; i < id.length() && sb.length() < MAX_CID_LEFT; i++) {
            char c = id.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            sb.append(ok ? c : '-');
        }
        return sb.toString();
    }

    /**
     * {@code base}, or {@code base-2}, {@code base-3}, ... when taken: Content-IDs must differ
     * (compared ignoring case, for receivers that do).
     */
    private static String unique(String base, Set<String> used) {
        String candidate = base;
        for (int n = 2; !used.add(candidate.toLowerCase(Locale.ROOT)); n++) {
            candidate = base + "-" + n;
        }
        return candidate;
    }

    /** RFC 2046 section 5.1.1: 1 to 70 bchars, not ending in a space. */
    private static void checkBoundary(String boundary) {
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70 || boundary.endsWith(" ")) {
            throw new IllegalArgumentException("boundary must be 1 to 70 characters, not ending in a space");
        }
        for (int i = 0; i < boundary.length(); i++) {
            char c = boundary.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "'()+_,-./:=? ".indexOf(c) >= 0;
            if (!ok) {
                throw new IllegalArgumentException("boundary has a character RFC 2046 does not allow: " + c);
            }
        }
    }

    private static void requireText(String s, String name) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
