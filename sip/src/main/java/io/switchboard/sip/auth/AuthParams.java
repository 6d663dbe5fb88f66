package io.switchboard.sip.auth;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Splits the value of an Authorization / Proxy-Authorization header into scheme and
 * parameters (RFC 3261 section 25.1 {@code credentials}, RFC 7616 section 3.4): a scheme token,
 * then comma-separated {@code name=token} or {@code name="quoted string"} pairs. Quoted-pairs
 * ({@code \"}) are unescaped, because the hash input is the unquoted value.
 */
final class AuthParams {
    final String scheme;
    /** Lower-case parameter names to values, in header order. */
    final Map<String, String> params;

    private AuthParams(String scheme, Map<String, String> params) {
        this.scheme = scheme;
        this.params = params;
    }

    /** Thrown for syntax errors; the message is a reason fit for a log line and a 400 phrase. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message, null, false, false);
        }
    }

    /** The leading scheme token ("Digest", "Basic"...), or "" when there is none. */
    static String scheme(String value) {
        String s = value == null ? "" : value.strip();
        int i = 0;
        while (i < s.length() && !isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(0, i);
    }

    static AuthParams parse(String value) throws SyntaxException {
        if (value == null) {
            throw new SyntaxException("empty credentials");
        }
        String s = value.strip();
        int i = 0;
        while (i < s.length() && !isSpace(s.charAt(i))) {
            i++;
        }
        String scheme = s.substring(0, i);
        if (scheme.isEmpty()) {
            throw new SyntaxException("empty credentials");
        }
        Map<String, String> params = new LinkedHashMap<>();
        int n = s.length();
        while (i < n) {
            while (i < n && (isSpace(s.charAt(i)) || s.charAt(i) == ',')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int nameStart = i;
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ',' && !isSpace(s.charAt(i))) {
                i++;
            }
            String name = s.substring(nameStart, i).toLowerCase(Locale.ROOT);
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            if (name.isEmpty() || i >= n || s.charAt(i) != '=') {
                throw new SyntaxException("malformed parameter near '" + clip(s, nameStart) + "'");
            }
            i++; // '='
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            String val;
            if (i < n && s.charAt(i) == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = s.charAt(i++);
                    if (c == '\\' && i < n) {
                        b.append(s.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        b.append(c);
                    }
                }
                if (!closed) {
                    throw new SyntaxException("unterminated quoted value of " + name);
                }
                val = b.toString();
            } else {
                int valStart = i;
                while (i < n && s.charAt(i) != ',') {
                    i++;
                }
                val = s.substring(valStart, i).strip();
                if (val.isEmpty() || val.chars().anyMatch(AuthParams::isSpace)) {
                    throw new SyntaxException("malformed value of " + name);
                }
            }
            if (params.putIfAbsent(name, val) != null) {
                throw new SyntaxException("duplicate parameter " + name);
            }
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            if (i < n && s.charAt(i) != ',') {
                throw new SyntaxException("missing comma after " + name);
            }
        }
        return new AuthParams(scheme, params);
    }

    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static String clip(String s, int from) {
        return s.substring(from, Math.min(s.length(), from + 20));
    }
}
