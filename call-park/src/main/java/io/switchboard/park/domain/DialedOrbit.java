package io.switchboard.park.domain;

import java.util.Locale;
import java.util.Optional;

/**
 * Which orbit a Request-URI dials, exactly as dialed and before any dial-plan normalization:
 *
 * <ul>
 *   <li>{@code sip:} and {@code sips:} URIs: the user part, percent-decoded. A {@code #} is not
 *       allowed unescaped in a user part (RFC 3261 section 25.1, {@code user-unreserved} has no
 *       {@code #}), so phones send {@code sip:%23905@example.test}; a raw {@code #} is accepted as
 *       well, since some phones send it. {@code *} needs no escaping. Parameters of a telephone
 *       subscriber user part ({@code 905;phone-context=...}, RFC 3261 section 19.1.6) are ignored.
 *   <li>{@code tel:} URIs (RFC 3966): the number before any parameter, without the visual
 *       separators {@code - . ( )} (RFC 3966 section 5.1.1 says they carry no meaning). A global
 *       number ({@code tel:+905}) is an E.164 number, never an orbit.
 * </ul>
 *
 * <p>So {@code sip:%23905@d}, {@code sip:#905@d} and {@code tel:#905;phone-context=d} all dial
 * orbit {@code #905}; {@code sip:905@d} and {@code tel:905;phone-context=d} dial orbit {@code 905},
 * which is a different orbit, in a different range; {@code sip:0905@d} dials {@code 0905}. The
 * domain of a SIP URI is not looked at here: the caller checks it is one of the pool's.
 */
public final class DialedOrbit {

    private DialedOrbit() {}

    /** The orbit {@code requestUri} dials, or empty when its user part or number is not an orbit. */
    public static Optional<Orbit> parse(String requestUri) {
        if (requestUri == null) {
            return Optional.empty();
        }
        String uri = requestUri.trim();
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("tel:")) {
            String number = beforeParameters(uri.substring(4)).replaceAll("[-.()]", "");
            return Orbit.parse(decode(number));
        }
        int colon = lower.startsWith("sip:") ? 4 : lower.startsWith("sips:") ? 5 : -1;
        if (colon < 0) {
            return Optional.empty();
        }
        String rest = uri.substring(colon);
        int at = rest.lastIndexOf('@');
        if (at <= 0) {
            return Optional.empty();
        }
        String user = rest.substring(0, at);
        int password = user.indexOf(':');
        if (password >= 0) {
            user = user.substring(0, password);
        }
        String decoded = decode(beforeParameters(user));
        return decoded == null ? Optional.empty() : Orbit.parse(decoded);
    }

    private static String beforeParameters(String s) {
        int semi = s.indexOf(';');
        return semi < 0 ? s : s.substring(0, semi);
    }

    /** Percent-decodes {@code s} (RFC 3986 section 2.1); null when an escape is malformed. */
    private static String decode(String s) {
        if (s == null || s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            if (i + 2 >= s.length()) {
                return null;
            }
            int hi = Character.digit(s.charAt(i + 1), 16);
            int lo = Character.digit(s.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            b.append((char) (hi * 16 + lo));
            i += 2;
        }
        return b.toString();
    }
}
