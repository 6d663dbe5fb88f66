package io.switchboard.conference.sip;

import java.nio.charset.StandardCharsets;

/**
 * Keeps one SDP origin towards a participant across mixers. RFC 3264 section 8: a new offer in the
 * same session keeps the previous {@code o=} line but for a version one higher; a participant
 * whose conference moved to another mixer would otherwise see another mixer's origin (a new
 * session), which strict clients refuse. The focus therefore sends the new mixer's SDP with the
 * origin the participant already has, version incremented.
 */
final class SdpOrigin {

    private SdpOrigin() {}

    /**
     * {@code next} with the origin of {@code previous} and its session version plus one; {@code
     * next} unchanged when either has no well-formed {@code o=} line (RFC 4566 section 5.2: six
     * fields, the version a number).
     */
    static byte[] continuing(byte[] previous, byte[] next) {
        if (previous == null || next == null) {
            return next;
        }
        String before = new String(previous, StandardCharsets.UTF_8);
        String after = new String(next, StandardCharsets.UTF_8);
        String[] old = originFields(before);
        int at = originLine(after);
        if (old == null || at < 0) {
            return next;
        }
        long version;
        try {
            version = Long.parseLong(old[2]);
        } catch (NumberFormatException e) {
            return next;
        }
        if (version == Long.MAX_VALUE) {
            return next;
        }
        int end = endOfLine(after, at);
        String origin = "o=" + old[0] + " " + old[1] + " " + (version + 1) + " " + old[3] + " " + old[4] + " " + old[5];
        return (after.substring(0, at) + origin + after.substring(end)).getBytes(StandardCharsets.UTF_8);
    }

    private static String[] originFields(String sdp) {
        int at = originLine(sdp);
        if (at < 0) {
            return null;
        }
        String[] f = sdp.substring(at + 2, endOfLine(sdp, at)).trim().split(" +");
        return f.length == 6 ? f : null;
    }

    /** Where the {@code o=} line starts; -1 when there is none. */
    private static int originLine(String sdp) {
        if (sdp.startsWith("o=")) {
            return 0;
        }
        int at = sdp.indexOf("\no=");
        return at < 0 ? -1 : at + 1;
    }

    /** The end of the line starting at {@code at}, before its CR LF or LF. */
    private static int endOfLine(String sdp, int at) {
        int nl = sdp.indexOf('\n', at);
        if (nl < 0) {
            return sdp.length();
        }
        return nl > at && sdp.charAt(nl - 1) == '\r' ? nl - 1 : nl;
    }
}
