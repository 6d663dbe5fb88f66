package io.switchboard.sip.stack;

import gov.nist.javax.sip.message.SIPRequest;
import io.switchboard.sip.stack.MalformedInput.Reason;
import java.util.Locale;
import java.util.Optional;
import javax.sip.header.CSeqHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.EventHeader;
import javax.sip.header.ProxyRequireHeader;
import javax.sip.header.SubscriptionStateHeader;
import javax.sip.message.Request;

/**
 * The checks RFC 3261 asks for that the RI's parser does not make (RI 1.3.0-91, see the module
 * README): it reports every SIP-Version as {@code SIP/2.0}, keeps the first of two Call-ID, CSeq,
 * From, To, Content-Length or Max-Forwards header fields and silently drops the second, accepts CSeq
 * numbers up to 2^32-1, and leaves a request without CSeq to fail with a NullPointerException in
 * its UDP channel. Version and duplicates can only be seen in the raw bytes, so {@link #raw}
 * scans the start line and header names once (no copy, no allocation beyond the result);
 * {@link #parsed} checks what the parsed request can tell.
 */
public final class RequestScreen {
    private RequestScreen() {}

    /** Checks of a message that parsed as a request, on its bytes: version (RFC 3261 section 7.1) and duplicates (7.3.1). */
    public static Optional<Reason> raw(byte[] message) {
        int i = 0;
        int n = message.length;
        while (i < n && (message[i] == '\r' || message[i] == '\n')) {
            i++; // RFC 3261 section 7.5: CRLFs before the start line are ignored
        }
        int lineEnd = endOfLine(message, i);
        if (!versionIs20(message, i, lineEnd)) {
            return Optional.of(Reason.VERSION_NOT_SUPPORTED);
        }
        int[] seen = new int[6];
        i = next(message, lineEnd);
        while (i < n) {
            int end = endOfLine(message, i);
            if (end == i) {
                break; // the empty line: the headers end here
            }
            byte first = message[i];
            if (first != ' ' && first != '\t') { // a folded line continues the previous header
                int slot = singleValued(message, i, end);
                if (slot >= 0 && ++seen[slot] > 1) {
                    return Optional.of(DUPLICATES[slot]);
                }
            }
            i = next(message, end);
        }
        return Optional.empty();
    }

    /**
     * Checks of the parsed request: required header fields (RFC 3261 section 8.1.1), CSeq range
     * (8.1.1.5), headers in the Request-URI (19.1.1), Proxy-Require (16.3 item 4: this pool
     * supports no proxy extension), the headers the RI needs to open a server transaction
     * (Contact, Event, Subscription-State), Max-Forwards (20.22).
     */
    public static Optional<Reason> parsed(SIPRequest request) {
        if (request.getTopmostVia() == null) {
            return Optional.of(Reason.MISSING_VIA);
        }
        if (request.getFrom() == null) {
            return Optional.of(Reason.MISSING_FROM);
        }
        if (request.getTo() == null) {
            return Optional.of(Reason.MISSING_TO);
        }
        if (request.getCallId() == null) {
            return Optional.of(Reason.MISSING_CALL_ID);
        }
        CSeqHeader cseq = request.getCSeq();
        if (cseq == null) {
            return Optional.of(Reason.MISSING_CSEQ);
        }
        if (cseq.getSeqNumber() > Integer.MAX_VALUE) {
            return Optional.of(Reason.CSEQ_OUT_OF_RANGE);
        }
        if (!cseq.getMethod().equalsIgnoreCase(request.getMethod())) {
            return Optional.of(Reason.CSEQ_METHOD_MISMATCH);
        }
        if (request.getRequestURI() instanceof javax.sip.address.SipURI uri
                && uri.getHeaderNames().hasNext()) {
            return Optional.of(Reason.REQUEST_URI_HEADERS);
        }
        String method = request.getMethod();
        if (request.getHeader(ProxyRequireHeader.NAME) != null
                && !Request.ACK.equals(method)
                && !Request.CANCEL.equals(method)) {
            // ACK cannot be answered, and CANCEL is decided by its INVITE (RFC 3261 section 9.2)
            return Optional.of(Reason.BAD_EXTENSION);
        }
        if (request.getToTag() == null
                && DIALOG_CREATING.contains(method)
                && request.getHeader(ContactHeader.NAME) == null) {
            return Optional.of(Reason.MISSING_CONTACT);
        }
        if (Request.NOTIFY.equals(method)) {
            if (request.getHeader(SubscriptionStateHeader.NAME) == null) {
                return Optional.of(Reason.MISSING_SUBSCRIPTION_STATE);
            }
            if (request.getFromTag() != null
                    && request.getToTag() != null
                    && request.getHeader(EventHeader.NAME) == null) {
                return Optional.of(Reason.MISSING_EVENT);
            }
        } else if (Request.PUBLISH.equals(method) && request.getHeader(EventHeader.NAME) == null) {
            return Optional.of(Reason.MISSING_EVENT);
        }
        // the RI keeps a Max-Forwards it could not parse (e.g. 300, or not a number) as an unrecognized header
        for (var it = request.getUnrecognizedHeaders(); it.hasNext(); ) {
            String h = it.next();
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).strip().equalsIgnoreCase("Max-Forwards")) {
                return Optional.of(Reason.INVALID_MAX_FORWARDS);
            }
        }
        return Optional.empty();
    }

    /** The methods whose initial requests need a Contact (the RI's SIPTransactionStack.isDialogCreated). */
    private static final java.util.Set<String> DIALOG_CREATING =
            java.util.Set.of(Request.INVITE, Request.SUBSCRIBE, Request.REFER);

    /**
     * Gives a request without Max-Forwards one, as RFC 3261 section 16.6 step 3 has a proxy do when
     * it forwards (value 70): RFC 2543 clients send none, section 16.3 item 3 lets such a request
     * pass, but the RI opens no server transaction for it (SIPRequest.checkHeaders), which dropped
     * it without a word.
     */
    public static void addMissingMaxForwards(SIPRequest request) {
        if (request.getMaxForwards() == null) {
            try {
                request.setHeader(new gov.nist.javax.sip.header.MaxForwards(70));
            } catch (javax.sip.InvalidArgumentException e) {
                throw new IllegalStateException(e); // 70 is in range
            }
        }
    }

    private static final Reason[] DUPLICATES = {
        Reason.DUPLICATE_CALL_ID,
        Reason.DUPLICATE_CSEQ,
        Reason.DUPLICATE_FROM,
        Reason.DUPLICATE_TO,
        Reason.DUPLICATE_CONTENT_LENGTH,
        Reason.DUPLICATE_MAX_FORWARDS
    };

    /** The index into {@link #DUPLICATES} of the header on this line, or -1; compact forms count (RFC 3261 section 7.3.3). */
    private static int singleValued(byte[] m, int start, int end) {
        int colon = start;
        while (colon < end && m[colon] != ':') {
            colon++;
        }
        int nameEnd = colon;
        while (nameEnd > start && (m[nameEnd - 1] == ' ' || m[nameEnd - 1] == '\t')) {
            nameEnd--;
        }
        if (colon == end || nameEnd - start > 14) {
            return -1;
        }
        String name = new String(m, start, nameEnd - start, java.nio.charset.StandardCharsets.US_ASCII)
                .toLowerCase(Locale.ROOT);
        return switch (name) {
            case "call-id", "i" -> 0;
            case "cseq" -> 1;
            case "from", "f" -> 2;
            case "to", "t" -> 3;
            case "content-length", "l" -> 4;
            case "max-forwards" -> 5;
            default -> -1;
        };
    }

    /** Whether the start line ends with SIP/2.0 (the version is case-insensitive, RFC 3261 section 7.1). */
    private static boolean versionIs20(byte[] m, int start, int end) {
        int e = end;
        while (e > start && (m[e - 1] == ' ' || m[e - 1] == '\t')) {
            e--;
        }
        int s = e;
        while (s > start && m[s - 1] != ' ') {
            s--;
        }
        return e - s == 7
                && new String(m, s, 7, java.nio.charset.StandardCharsets.US_ASCII).equalsIgnoreCase("SIP/2.0");
    }

    /** Index of the CR or LF ending the line that starts at {@code i}, or the message length. */
    private static int endOfLine(byte[] m, int i) {
        while (i < m.length && m[i] != '\r' && m[i] != '\n') {
            i++;
        }
        return i;
    }

    /** Index of the first byte after the line break at {@code end}. */
    private static int next(byte[] m, int end) {
        if (end < m.length && m[end] == '\r') {
            end++;
        }
        if (end < m.length && m[end] == '\n') {
            end++;
        }
        return end;
    }
}
