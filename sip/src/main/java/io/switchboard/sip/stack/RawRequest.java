package io.switchboard.sip.stack;

import java.nio.charset.StandardCharsets;

/**
 * What a stateless refusal of a UDP request needs, read off the datagram's bytes without the SIP
 * parser: its method, whether it is inside a dialog (a To tag) or carries credentials, and the
 * header lines a response copies (Via, From, To, Call-ID, CSeq: RFC 3261 section 8.2.6.2). An
 * overloaded node sheds new work with it before the SIP stack spends a parse on a request it
 * would refuse anyway ({@link EarlyRefusal}).
 *
 * <p>Deliberately narrow: anything it does not read with certainty (a response, a keep-alive,
 * folded header lines, a header missing, a top Via whose port is not where the datagram came from
 * and has no {@code rport}) gives null, and that datagram takes the normal path. Pure; no
 * allocation but the method name and the few line offsets. It reads the datagram's buffer in
 * place: valid only while that buffer is unchanged.
 */
public final class RawRequest {

    /** Via lines copied at most: a request with more takes the normal path. */
    static final int MAX_VIAS = 16;

    private final byte[] bytes;
    private final String method;
    private final boolean toTag;
    private final boolean credentials;
    /** [start, end) of each Via line, then From, To, Call-ID, CSeq. */
    private final int[] vias;

    private final int viaCount;
    private final int[] from;
    private final int[] to;
    private final int[] callId;
    private final int[] cseq;
    private final boolean rport;
    private final int sentByPort;

    private RawRequest(
            byte[] bytes,
            String method,
            boolean toTag,
            boolean credentials,
            int[] vias,
            int viaCount,
            int[] from,
            int[] to,
            int[] callId,
            int[] cseq,
            boolean rport,
            int sentByPort) {
        this.bytes = bytes;
        this.method = method;
        this.toTag = toTag;
        this.credentials = credentials;
        this.vias = vias;
        this.viaCount = viaCount;
        this.from = from;
        this.to = to;
        this.callId = callId;
        this.cseq = cseq;
        this.rport = rport;
        this.sentByPort = sentByPort;
    }

    public String method() {
        return method;
    }

    /** Whether the To header has a tag parameter (inside a dialog, RFC 3261 section 12.2). */
    public boolean toTag() {
        return toTag;
    }

    /** Whether it carries an Authorization or Proxy-Authorization header. */
    public boolean credentials() {
        return credentials;
    }

    /**
     * Whether a response sent to the datagram's source reaches the client as RFC 3261 section
     * 18.2.2 would route it: the top Via asks for symmetric response routing ({@code rport}, RFC
     * 3581), or its sent-by port is the source port.
     */
    public boolean answerableAt(int sourcePort) {
        return rport || sentByPort == sourcePort;
    }

    /**
     * Reads {@code length} bytes of {@code datagram}; null when they are not a request this class
     * reads with certainty.
     */
    public static RawRequest peek(byte[] datagram, int length) {
        int n = Math.min(length, datagram.length);
        int lineEnd = lineEnd(datagram, 0, n);
        if (lineEnd < 0) {
            return null;
        }
        int sp = indexOf(datagram, 0, lineEnd, (byte) ' ');
        if (sp <= 0 || !isToken(datagram, 0, sp)) {
            return null; // a response's first token, SIP/2.0, is no method token
        }
        int contentEnd = trimEnd(datagram, 0, lineEnd);
        if (!endsWith(datagram, contentEnd, "SIP/2.0")) {
            return null;
        }
        String method = new String(datagram, 0, sp, StandardCharsets.US_ASCII);
        int[] vias = new int[2 * MAX_VIAS];
        int viaCount = 0;
        int[] from = null;
        int[] to = null;
        int[] callId = null;
        int[] cseq = null;
        boolean credentials = false;
        int start = lineEnd + 1;
        while (true) {
            if (start >= n) {
                return null; // no end of the headers: truncated
            }
            int end = lineEnd(datagram, start, n);
            if (end < 0) {
                return null;
            }
            int content = trimEnd(datagram, start, end);
            if (content == start) {
                break; // the empty line: end of the headers
            }
            byte first = datagram[start];
            if (first == ' ' || first == '\t') {
                return null; // a folded line (RFC 3261 section 7.3.1): left to the parser
            }
            int colon = indexOf(datagram, start, content, (byte) ':');
            if (colon < 0) {
                return null;
            }
            int nameEnd = trimEnd(datagram, start, colon);
            if (named(datagram, start, nameEnd, "via", "v")) {
                if (viaCount == MAX_VIAS) {
                    return null;
                }
                vias[2 * viaCount] = start;
                vias[2 * viaCount + 1] = content;
                viaCount++;
            } else if (named(datagram, start, nameEnd, "from", "f")) {
                from = new int[] {start, content};
            } else if (named(datagram, start, nameEnd, "to", "t")) {
                to = new int[] {start, content};
            } else if (named(datagram, start, nameEnd, "call-id", "i")) {
                callId = new int[] {start, content};
            } else if (named(datagram, start, nameEnd, "cseq", null)) {
                cseq = new int[] {start, content};
            } else if (named(datagram, start, nameEnd, "authorization", null)
                    || named(datagram, start, nameEnd, "proxy-authorization", null)) {
                credentials = true;
            }
            start = end + 1;
        }
        if (viaCount == 0 || from == null || to == null || callId == null || cseq == null) {
            return null;
        }
        int viaValue = indexOf(datagram, vias[0], vias[1], (byte) ':') + 1;
        int topViaEnd = indexOf(datagram, viaValue, vias[1], (byte) ',');
        topViaEnd = topViaEnd < 0 ? vias[1] : topViaEnd;
        int port = sentByPort(datagram, viaValue, topViaEnd);
        if (port < 0) {
            return null;
        }
        boolean rport = hasParam(datagram, viaValue, topViaEnd, "rport");
        int toValue = indexOf(datagram, to[0], to[1], (byte) ':') + 1;
        boolean toTag = hasParam(datagram, toValue, to[1], "tag");
        return new RawRequest(
                datagram, method, toTag, credentials, vias, viaCount, from, to, callId, cseq, rport, port);
    }

    /**
     * A stateless {@code 503} for this request (RFC 3261 sections 8.2.6 and 8.2.7): its Via lines,
     * From, To with {@code toTag} added, Call-ID and CSeq as they came, and Retry-After (section
     * 21.5.4). {@code phrase} and {@code toTag} must be plain header text (no line breaks).
     */
    public byte[] serviceUnavailable(String phrase, int retryAfterSeconds, String toTag) {
        StringBuilder head =
                new StringBuilder(32 + phrase.length()).append("SIP/2.0 503 ").append(phrase);
        byte[] status = head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] tail = (";tag=" + toTag + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] end = ("Retry-After: " + retryAfterSeconds + "\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        int size = status.length + tail.length + end.length;
        for (int i = 0; i < viaCount; i++) {
            size += vias[2 * i + 1] - vias[2 * i] + 2;
        }
        size += from[1] - from[0] + 2 + to[1] - to[0] + callId[1] - callId[0] + 2 + cseq[1] - cseq[0] + 2;
        byte[] out = new byte[size];
        int at = put(out, 0, status, 0, status.length);
        for (int i = 0; i < viaCount; i++) {
            at = line(out, at, vias[2 * i], vias[2 * i + 1]);
        }
        at = line(out, at, from[0], from[1]);
        at = put(out, at, bytes, to[0], to[1] - to[0]);
        at = put(out, at, tail, 0, tail.length);
        at = line(out, at, callId[0], callId[1]);
        at = line(out, at, cseq[0], cseq[1]);
        put(out, at, end, 0, end.length);
        return out;
    }

    private int line(byte[] out, int at, int start, int end) {
        at = put(out, at, bytes, start, end - start);
        out[at++] = '\r';
        out[at++] = '\n';
        return at;
    }

    private static int put(byte[] out, int at, byte[] from, int start, int length) {
        System.arraycopy(from, start, out, at, length);
        return at + length;
    }

    /** The port of the top Via's sent-by (5060 when absent), or -1 when it does not read as UDP. */
    private static int sentByPort(byte[] b, int start, int end) {
        // sent-protocol: SIP / 2.0 / UDP, with optional whitespace around the slashes (section 20.42)
        int i = skipSpace(b, start, end);
        int slashes = 0;
        while (i < end && slashes < 2) {
            if (b[i] == '/') {
                slashes++;
            }
            i++;
        }
        i = skipSpace(b, i, end);
        if (end - i < 3 || !regionEqualsIgnoreCase(b, i, "udp") || (i + 3 < end && isTokenByte(b[i + 3]))) {
            return -1;
        }
        i = skipSpace(b, i + 3, end);
        int hostEnd = i;
        while (hostEnd < end && b[hostEnd] != ';' && b[hostEnd] != ' ' && b[hostEnd] != '\t') {
            hostEnd++;
        }
        if (hostEnd == i) {
            return -1;
        }
        int portStart;
        if (b[i] == '[') {
            int close = indexOf(b, i, hostEnd, (byte) ']');
            if (close < 0) {
                return -1;
            }
            portStart = close + 1 < hostEnd && b[close + 1] == ':' ? close + 2 : -1;
        } else {
            int colon = indexOf(b, i, hostEnd, (byte) ':');
            portStart = colon < 0 ? -1 : colon + 1;
        }
        if (portStart < 0) {
            return 5060;
        }
        int port = 0;
        for (int p = portStart; p < hostEnd; p++) {
            if (b[p] < '0' || b[p] > '9' || port > 6553) {
                return -1;
            }
            port = port * 10 + (b[p] - '0');
        }
        return portStart == hostEnd || port > 65_535 ? -1 : port;
    }

    /** Whether {@code b[start, end)} has the parameter {@code name} (a ';', optional space, the name, then '=', ';', ',', space or the end). */
    private static boolean hasParam(byte[] b, int start, int end, String name) {
        for (int i = start; i < end; i++) {
            if (b[i] != ';') {
                continue;
            }
            int p = skipSpace(b, i + 1, end);
            if (end - p >= name.length() && regionEqualsIgnoreCase(b, p, name)) {
                int after = p + name.length();
                if (after == end || !isTokenByte(b[after])) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean named(byte[] b, int start, int end, String full, String compact) {
        int len = end - start;
        return (len == full.length() && regionEqualsIgnoreCase(b, start, full))
                || (compact != null && len == compact.length() && regionEqualsIgnoreCase(b, start, compact));
    }

    private static boolean regionEqualsIgnoreCase(byte[] b, int start, String s) {
        for (int i = 0; i < s.length(); i++) {
            int c = b[start + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The index of the '\n' ending the line from {@code start}, or -1. */
    private static int lineEnd(byte[] b, int start, int n) {
        return indexOf(b, start, n, (byte) '\n');
    }

    /** {@code end} moved back over a trailing '\r' and spaces. */
    private static int trimEnd(byte[] b, int start, int end) {
        while (end > start && (b[end - 1] == '\r' || b[end - 1] == ' ' || b[end - 1] == '\t')) {
            end--;
        }
        return end;
    }

    private static int skipSpace(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    private static int indexOf(byte[] b, int start, int end, byte c) {
        for (int i = start; i < end; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean endsWith(byte[] b, int end, String s) {
        return end >= s.length() && regionEquals(b, end - s.length(), s);
    }

    private static boolean regionEquals(byte[] b, int start, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[start + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isToken(byte[] b, int start, int end) {
        for (int i = start; i < end; i++) {
            if (!isTokenByte(b[i])) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3261 section 25.1 token characters. */
    private static boolean isTokenByte(byte c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '.'
                || c == '!'
                || c == '%'
                || c == '*'
                || c == '_'
                || c == '+'
                || c == '`'
                || c == '\''
                || c == '~';
    }
}
