package io.switchboard.presence.domain;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Writes what a watcher is shown ({@link PresenceView}) as the PIDF body of a NOTIFY
 * (RFC 3856, RFC 3863). Plain StringBuilder output: this runs once per watcher per
 * change, so no DOM and no serializer.
 *
 * <p>The document carries the state three ways, so every kind of watcher understands it:
 * <ul>
 *   <li>{@code <basic>} (RFC 3863) for plain PIDF clients: open unless Offline;</li>
 *   <li>RPID activities and user-input (RFC 4480) for RPID clients;</li>
 *   <li>{@code <sb:availability>} and {@code <sb:state>} (the Lync-style number and token) for ours.</li>
 * </ul>
 * The phone tuples (RFC 3863: one tuple per way of reaching the user) carry the same
 * basic status as the presence tuple. A watcher that ORs its tuples (the usual RFC 3863 reading)
 * would otherwise see "open" for a user who is Offline or Appears Offline.
 */
public final class PidfWriter {

    private static final String HEAD = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<presence xmlns=\"" + PidfParser.PIDF_NS + "\""
            + " xmlns:dm=\"" + PidfParser.DATA_MODEL_NS + "\""
            + " xmlns:rpid=\"" + PidfParser.RPID_NS + "\""
            + " xmlns:sb=\"" + PidfParser.SWITCHBOARD_NS + "\""
            + " entity=\"";

    private PidfWriter() {}

    public static String write(PresenceView view) {
        StringBuilder sb = new StringBuilder(640 + 80 * view.phones().size());
        sb.append(HEAD);
        escapeAttribute(sb, view.entity());
        sb.append("\">\n");

        String basic = view.availability() == Availability.OFFLINE ? "closed" : "open";
        sb.append("<tuple id=\"sb-presence\"><status><basic>")
                .append(basic)
                .append("</basic></status><timestamp>")
                .append(timestamp(view.since()))
                .append("</timestamp></tuple>\n");

        List<String> phones = view.phones();
        for (int i = 0; i < phones.size(); i++) {
            sb.append("<tuple id=\"sb-phone-")
                    .append(i + 1)
                    .append("\"><status><basic>")
                    .append(basic)
                    .append("</basic></status><contact>");
            escapeText(sb, phones.get(i));
            sb.append("</contact></tuple>\n");
        }

        sb.append("<dm:person id=\"sb-person\">");
        activities(sb, view.availability(), view.activity());
        sb.append("<sb:availability>").append(view.availability().number()).append("</sb:availability>");
        sb.append("<sb:state>").append(view.availability().token()).append("</sb:state>");
        if (view.activity() != null && !view.activity().isBlank()) {
            sb.append("<sb:activity>");
            escapeText(sb, view.activity());
            sb.append("</sb:activity>");
        }
        if (view.availability() == Availability.AVAILABLE_IDLE || view.availability() == Availability.BUSY_IDLE) {
            sb.append("<rpid:user-input>idle</rpid:user-input>");
        }
        if (view.note() != null && !view.note().isEmpty()) {
            sb.append("<dm:note>");
            escapeText(sb, view.note());
            sb.append("</dm:note>");
        }
        sb.append("</dm:person>\n</presence>");
        return sb.toString();
    }

    /**
     * The RFC 4480 activities closest to our state: busy for the busy family (DND
     * included; RPID has no DND token), away for Be Right Back and Away, plus on-the-phone or
     * meeting when the activity says so. Nothing for plain available or offline.
     */
    private static void activities(StringBuilder sb, Availability a, String activity) {
        String fromState = switch (a) {
            case BUSY, BUSY_IDLE, DO_NOT_DISTURB -> "<rpid:busy/>";
            case BE_RIGHT_BACK, AWAY -> "<rpid:away/>";
            default -> null;
        };
        String fromActivity = "in-a-call".equalsIgnoreCase(activity)
                ? "<rpid:on-the-phone/>"
                : "in-a-meeting".equalsIgnoreCase(activity) ? "<rpid:meeting/>" : null;
        if (fromState == null && fromActivity == null) {
            return;
        }
        sb.append("<rpid:activities>");
        if (fromState != null) {
            sb.append(fromState);
        }
        if (fromActivity != null) {
            sb.append(fromActivity);
        }
        sb.append("</rpid:activities>");
    }

    /** xs:dateTime (RFC 3863 {@code <timestamp>}) in UTC, to the millisecond. */
    private static String timestamp(Instant since) {
        return DateTimeFormatter.ISO_INSTANT.format(since.truncatedTo(ChronoUnit.MILLIS));
    }

    /** Character data: markup characters escaped, characters XML 1.0 cannot carry replaced. */
    static void escapeText(StringBuilder sb, String s) {
        escape(sb, s, false);
    }

    /**
     * A double-quoted attribute value: also quotes, and tab / CR / LF as character references,
     * which attribute-value normalization (XML 1.0 section 3.3.3) would otherwise turn into spaces.
     */
    static void escapeAttribute(StringBuilder sb, String s) {
        escape(sb, s, true);
    }

    private static void escape(StringBuilder sb, String s, boolean attribute) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;"); // "]]>" must not appear in text
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append(attribute ? "&quot;" : "\"");
                case '\'' -> sb.append(attribute ? "&apos;" : "'");
                case '\r' -> sb.append("&#13;"); // kept, not normalized to LF by the reader
                case '\n' -> sb.append(attribute ? "&#10;" : "\n");
                case '\t' -> sb.append(attribute ? "&#9;" : "\t");
                default -> {
                    boolean pair = Character.isHighSurrogate(c)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1));
                    if (pair) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF) {
                        // Not an XML 1.0 Char (section 2.2): a control character or a lone
                        // surrogate would make the whole NOTIFY body unreadable.
                        sb.append('\uFFFD');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }
}
