package io.switchboard.accounts.domain;

import java.util.Locale;
import java.util.Objects;

/**
 * The address of record of an account, {@code sip:user@domain}, in canonical form.
 *
 * <p>The domain is lower-cased (host names compare case-insensitively, RFC 3261 section 19.1.4);
 * the user part keeps its case because userinfo compares case-sensitively there. So
 * {@code sip:Alice@example.test} and {@code sip:alice@example.test} are two accounts.
 *
 * <p>An account URI is deliberately stricter than a SIP URI in a request: it names a row, so it
 * must have exactly one spelling. Hence no parameters, headers, port, password or percent-escapes
 * (an escaped and an unescaped character are equal per section 19.1.4 and would give two keys for
 * one user), and the user part is restricted to printable ASCII from the RFC's user grammar.
 */
public record SipAddress(String user, String domain) {

    /** Longest accepted user part; generous for "first.last" names and E.164 numbers. */
    public static final int MAX_USER_LENGTH = 128;
    /** Longest DNS name (RFC 1035 section 2.3.4, without the trailing dot). */
    public static final int MAX_DOMAIN_LENGTH = 253;

    /** unreserved (alphanum and mark) plus the user-unreserved characters that are not delimiters. */
    private static final String USER_PUNCTUATION = "-_.!~*'()&=+$,";

    public SipAddress {
        Objects.requireNonNull(user, "user");
        domain = Objects.requireNonNull(domain, "domain").toLowerCase(Locale.ROOT);
    }

    /** "sip:user@domain"; also the form accepted back by {@link #parse}. */
    public String aor() {
        return "sip:" + user + "@" + domain;
    }

    /**
     * Parses an account URI. Accepts {@code sip:} and {@code sips:} (scheme case-insensitive) and
     * ignores white space around the whole text; the scheme is not kept because an account is
     * reachable over either.
     */
    public static Validation<SipAddress> parse(String text) {
        if (text == null || text.isBlank()) {
            return Validation.invalid("uri is missing");
        }
        String uri = text.strip();
        String rest;
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("sip:")) {
            rest = uri.substring(4);
        } else if (lower.startsWith("sips:")) {
            rest = uri.substring(5);
        } else {
            return Validation.invalid("uri must start with sip: or sips: (got \"" + uri + "\")");
        }
        int at = rest.lastIndexOf('@');
        if (at < 0) {
            return Validation.invalid("uri needs a user part: sip:user@domain");
        }
        String userinfo = rest.substring(0, at);
        String hostport = rest.substring(at + 1);
        return checkHost(hostport).flatMap(domain -> checkUser(userinfo).map(user -> new SipAddress(user, domain)));
    }

    private static Validation<String> checkHost(String host) {
        if (host.indexOf(';') >= 0) {
            return Validation.invalid("uri parameters (;...) are not allowed in an account uri");
        }
        if (host.indexOf('?') >= 0) {
            return Validation.invalid("uri headers (?...) are not allowed in an account uri");
        }
        if (host.startsWith("[")) {
            return Validation.invalid("an account domain must be a host name, not an IP address");
        }
        if (host.indexOf(':') >= 0) {
            return Validation.invalid("a port is not allowed in an account uri");
        }
        if (host.isEmpty()) {
            return Validation.invalid("uri has no domain after @");
        }
        if (host.length() > MAX_DOMAIN_LENGTH) {
            return Validation.invalid("domain is longer than " + MAX_DOMAIN_LENGTH + " characters");
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!isDomainLabel(label)) {
                return Validation.invalid("domain \"" + host + "\" is not a valid host name");
            }
        }
        // RFC 3261 toplabel starts with a letter; this is also what tells a name from an IPv4 address.
        if (!Character.isLetter(labels[labels.length - 1].charAt(0))) {
            return Validation.invalid("an account domain must be a host name, not an IP address");
        }
        return Validation.valid(host.toLowerCase(Locale.ROOT));
    }

    private static boolean isDomainLabel(String label) {
        if (label.isEmpty() || label.length() > 63) {
            return false;
        }
        if (label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
            return false;
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (!isAsciiAlnum(c) && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static Validation<String> checkUser(String user) {
        if (user.isEmpty()) {
            return Validation.invalid("uri has an empty user part");
        }
        if (user.indexOf(':') >= 0) {
            return Validation.invalid("a password in the uri (user:password@) is not allowed");
        }
        if (user.length() > MAX_USER_LENGTH) {
            return Validation.invalid("user part is longer than " + MAX_USER_LENGTH + " characters");
        }
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            if (c == '%') {
                return Validation.invalid(
                        "percent-escapes are not allowed in the user part; write the character itself");
            }
            if (!isAsciiAlnum(c) && USER_PUNCTUATION.indexOf(c) < 0) {
                return Validation.invalid("user part contains a character that is not allowed: " + describe(c)
                        + " (allowed: letters, digits and " + USER_PUNCTUATION + ")");
            }
        }
        return Validation.valid(user);
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    static String describe(int codePoint) {
        if (Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)) {
            return String.format("U+%04X", codePoint);
        }
        return "'" + new String(Character.toChars(codePoint)) + "'";
    }
}
