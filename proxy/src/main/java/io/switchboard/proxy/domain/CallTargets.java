package io.switchboard.proxy.domain;

import io.switchboard.accounts.domain.Validation;
import java.util.Locale;

/**
 * Checks and normalises a sim-ring or forwarding target typed by an operator.
 *
 * <p>Two forms are accepted:
 * <ul>
 *   <li>a SIP or SIPS URI with a user part, {@code sip:user@host[:port][;params]}. The scheme and
 *       host are lower-cased (they compare case-insensitively, RFC 3261 section 19.1.4); the user
 *       part and parameters are kept. Headers ({@code ?...}) are refused: they would be copied
 *       into every forwarded request (section 19.1.5), which an operator setting never should.</li>
 *   <li>an E.164 number, {@code +} and 8 to 15 digits, with spaces, dashes or dots between them
 *       (or as {@code tel:+...}, RFC 3966). It becomes {@code sip:+31201234567@<user's domain>;user=phone}
 *       (RFC 3261 section 19.1.6), so the call takes the same routing as any request for a
 *       number in that domain.</li>
 * </ul>
 * A target naming the user's own AOR is refused: forwarding a user to themselves is a loop, and
 * sim-ringing themselves rings the same endpoints twice.
 */
public final class CallTargets {

    /** Longest target accepted, before and after normalisation. */
    public static final int MAX_LENGTH = 256;

    static final int MIN_DIGITS = 8;
    static final int MAX_DIGITS = 15;

    /** RFC 3261 user part: unreserved, escaped and user-unreserved, without ';' '?' '/' that would need quoting here. */
    private static final String USER_PUNCTUATION = "-_.!~*'()&=+$,%";
    /** Characters of uri-parameters (RFC 3261 section 25.1 paramchar, plus '=' between name and value). */
    private static final String PARAM_PUNCTUATION = "-_.!~*'()%[]/:&+$=";

    private CallTargets() {}

    /**
     * @param text what the operator typed
     * @param ownAor the user's AOR ({@code sip:user@domain}): its domain qualifies numbers, and a target equal to it is a loop
     * @return the normalised target, or why it was refused (without a field name: the caller adds it)
     */
    public static Validation<String> parse(String text, String ownAor) {
        if (text == null || text.isBlank()) {
            return Validation.invalid("is empty; give a sip: URI or an E.164 number like +31201234567");
        }
        String t = text.strip();
        if (t.length() > MAX_LENGTH) {
            return Validation.invalid("is longer than " + MAX_LENGTH + " characters");
        }
        String aor = CallSettings.canonicalAor(ownAor);
        String lower = t.toLowerCase(Locale.ROOT);
        Validation<String> normalised;
        if (t.startsWith("+") || lower.startsWith("tel:")) {
            normalised = number(lower.startsWith("tel:") ? t.substring(4) : t, aor);
        } else if (lower.startsWith("sip:") || lower.startsWith("sips:")) {
            normalised = uri(t);
        } else if (!t.isEmpty() && Character.isDigit(t.charAt(0))) {
            return Validation.invalid(
                    "\"" + t + "\" is not an E.164 number: it needs + and the country code, e.g. +31201234567");
        } else {
            return Validation.invalid(
                    "\"" + t + "\" is neither a sip:/sips: URI nor an E.164 number (+ and 8 to 15 digits)");
        }
        return normalised.flatMap(n -> check(n, aor));
    }

    private static Validation<String> check(String target, String aor) {
        if (target.length() > MAX_LENGTH) {
            return Validation.invalid("is longer than " + MAX_LENGTH + " characters once normalised (" + target + ")");
        }
        if (sameAddress(target, aor)) {
            return Validation.invalid("points back at the user's own address " + aor + " (a loop)");
        }
        return Validation.valid(target);
    }

    /** user@host compared without scheme, port and parameters: any of those still reaches the same user. */
    private static boolean sameAddress(String target, String aor) {
        String rest = target.substring(target.indexOf(':') + 1); // user@host[:port][;params], already validated
        int at = rest.indexOf('@');
        String host = rest.substring(at + 1);
        int semi = host.indexOf(';');
        if (semi >= 0) {
            host = host.substring(0, semi);
        }
        int port = host.startsWith("[") ? host.indexOf(':', host.indexOf(']')) : host.indexOf(':');
        if (port >= 0) {
            host = host.substring(0, port);
        }
        return (rest.substring(0, at) + "@" + host).equals(aor.substring(aor.indexOf(':') + 1));
    }

    private static Validation<String> number(String text, String aor) {
        if (!text.startsWith("+")) {
            return Validation.invalid("\"tel:" + text + "\" is not a global number: it needs + and the country code");
        }
        StringBuilder digits = new StringBuilder(MAX_DIGITS);
        for (int i = 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (c != ' ' && c != '-' && c != '.') {
                return Validation.invalid("\"" + text + "\" is not an E.164 number: " + describe(c)
                        + " is not allowed (only digits, spaces, dashes and dots after +)");
            }
        }
        if (digits.length() < MIN_DIGITS || digits.length() > MAX_DIGITS) {
            return Validation.invalid("\"" + text + "\" is not an E.164 number: it has " + digits.length()
                    + " digits, E.164 numbers have " + MIN_DIGITS + " to " + MAX_DIGITS + " after +");
        }
        if (digits.charAt(0) == '0') {
            return Validation.invalid("\"" + text + "\" is not an E.164 number: country codes do not start with 0");
        }
        String domain = aor.substring(aor.lastIndexOf('@') + 1);
        return Validation.valid("sip:+" + digits + "@" + domain + ";user=phone");
    }

    private static Validation<String> uri(String text) {
        int colon = text.indexOf(':');
        String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = text.substring(colon + 1);
        if (rest.indexOf('?') >= 0) {
            return Validation.invalid("\"" + text + "\": URI headers (?...) are not allowed in a call target");
        }
        int at = rest.indexOf('@');
        if (at < 0) {
            return Validation.invalid("\"" + text + "\" has no user part: give " + scheme + ":user@host");
        }
        String user = rest.substring(0, at);
        String hostAndParams = rest.substring(at + 1);
        int semi = hostAndParams.indexOf(';');
        String hostPort = semi < 0 ? hostAndParams : hostAndParams.substring(0, semi);
        String params = semi < 0 ? "" : hostAndParams.substring(semi);
        Validation<String> u = user(user, text);
        if (u instanceof Validation.Invalid<String>) {
            return u;
        }
        Validation<String> h = hostPort(hostPort, text);
        if (h instanceof Validation.Invalid<String>) {
            return h;
        }
        Validation<String> p = params(params, text);
        if (p instanceof Validation.Invalid<String>) {
            return p;
        }
        return Validation.valid(scheme + ":" + user + "@" + ((Validation.Valid<String>) h).value() + params);
    }

    private static Validation<String> user(String user, String text) {
        if (user.isEmpty()) {
            return Validation.invalid("\"" + text + "\" has an empty user part");
        }
        if (user.indexOf(':') >= 0) {
            return Validation.invalid("\"" + text + "\": a password in the URI (user:password@) is not allowed");
        }
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            if (c == '%' && !(i + 2 < user.length() && isHex(user.charAt(i + 1)) && isHex(user.charAt(i + 2)))) {
                return Validation.invalid("\"" + text + "\": '%' in the user part must start an escape like %40");
            }
            if (!isAsciiAlnum(c) && USER_PUNCTUATION.indexOf(c) < 0) {
                return Validation.invalid(
                        "\"" + text + "\": the user part contains " + describe(c) + ", which is not allowed");
            }
        }
        return Validation.valid(user);
    }

    private static Validation<String> hostPort(String hostPort, String text) {
        String host = hostPort;
        String port = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                return Validation.invalid("\"" + text + "\": IPv6 reference without ']'");
            }
            host = hostPort.substring(0, close + 1);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    return Validation.invalid("\"" + text + "\": unexpected text after the IPv6 reference");
                }
                port = after.substring(1);
            }
            String inner = host.substring(1, host.length() - 1);
            if (inner.isEmpty() || !inner.chars().allMatch(c -> isHex((char) c) || c == ':' || c == '.')) {
                return Validation.invalid("\"" + text + "\": " + host + " is not an IPv6 address");
            }
        } else {
            int colon = hostPort.indexOf(':');
            if (colon >= 0) {
                host = hostPort.substring(0, colon);
                port = hostPort.substring(colon + 1);
            }
            if (host.isEmpty()) {
                return Validation.invalid("\"" + text + "\" has no host after @");
            }
            for (String label : host.split("\\.", -1)) {
                if (!isLabel(label)) {
                    return Validation.invalid(
                            "\"" + text + "\": \"" + host + "\" is not a valid host name or IPv4 address");
                }
            }
        }
        if (port != null && !validPort(port)) {
            return Validation.invalid("\"" + text + "\": port \"" + port + "\" is not a number from 1 to 65535");
        }
        return Validation.valid(host.toLowerCase(Locale.ROOT) + (port == null ? "" : ":" + port));
    }

    private static Validation<String> params(String params, String text) {
        if (params.isEmpty()) {
            return Validation.valid(params);
        }
        for (String param : params.substring(1).split(";", -1)) {
            if (param.isEmpty() || param.startsWith("=")) {
                return Validation.invalid("\"" + text + "\" has an empty URI parameter");
            }
            for (int i = 0; i < param.length(); i++) {
                char c = param.charAt(i);
                if (!isAsciiAlnum(c) && PARAM_PUNCTUATION.indexOf(c) < 0) {
                    return Validation.invalid("\"" + text + "\": URI parameter \"" + param + "\" contains "
                            + describe(c) + ", which is not allowed");
                }
            }
        }
        return Validation.valid(params);
    }

    private static boolean validPort(String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            return false;
        }
        int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535;
    }

    private static boolean isLabel(String label) {
        if (label.isEmpty()
                || label.length() > 63
                || label.charAt(0) == '-'
                || label.charAt(label.length() - 1) == '-') {
            return false;
        }
        return label.chars().allMatch(c -> isAsciiAlnum((char) c) || c == '-');
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static String describe(char c) {
        if (Character.isISOControl(c) || Character.isWhitespace(c) || c > 0x7e) {
            return String.format("U+%04X", (int) c);
        }
        return "'" + c + "'";
    }
}
