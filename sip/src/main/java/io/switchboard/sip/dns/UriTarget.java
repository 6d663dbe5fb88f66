package io.switchboard.sip.dns;

import java.util.Locale;
import java.util.Optional;

/**
 * What RFC 3263 section 4 reads from a SIP URI: the TARGET (the {@code maddr} parameter if present,
 * else the host), the port if given, the {@code transport} parameter if given, and whether the
 * scheme is sips.
 *
 * @param port      the explicit port, or 0 when the URI has none
 * @param transport the transport parameter in lower case, or empty
 */
public record UriTarget(boolean secure, String host, int port, Optional<String> transport) {

    /** Parses {@code sip:} and {@code sips:} URIs (user part, port and parameters optional). */
    public static UriTarget parse(String uri) {
        String s = uri.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        String lower = s.toLowerCase(Locale.ROOT);
        boolean secure;
        if (lower.startsWith("sips:")) {
            secure = true;
            s = s.substring(5);
        } else if (lower.startsWith("sip:")) {
            secure = false;
            s = s.substring(4);
        } else {
            throw new IllegalArgumentException("not a sip: or sips: URI: " + uri);
        }
        int headers = s.indexOf('?');
        if (headers >= 0) {
            s = s.substring(0, headers);
        }
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            s = s.substring(at + 1);
        }
        String hostPort = s;
        String params = "";
        int semi = s.indexOf(';');
        if (semi >= 0) {
            hostPort = s.substring(0, semi);
            params = s.substring(semi + 1);
        }
        String host;
        int port = 0;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed IPv6 reference in " + uri);
            }
            host = hostPort.substring(1, close);
            String rest = hostPort.substring(close + 1);
            if (rest.startsWith(":")) {
                port = port(rest.substring(1), uri);
            }
        } else {
            int colon = hostPort.indexOf(':');
            host = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
            if (colon >= 0) {
                port = port(hostPort.substring(colon + 1), uri);
            }
        }
        Optional<String> transport = Optional.empty();
        for (String param : params.split(";")) {
            int eq = param.indexOf('=');
            String name = (eq < 0 ? param : param.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : param.substring(eq + 1).trim();
            if (name.equals("transport") && !value.isEmpty()) {
                transport = Optional.of(value.toLowerCase(Locale.ROOT));
            } else if (name.equals("maddr") && !value.isEmpty()) {
                host = value.startsWith("[") && value.endsWith("]") ? value.substring(1, value.length() - 1) : value;
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        return new UriTarget(secure, host.toLowerCase(Locale.ROOT), port, transport);
    }

    /** Whether the TARGET is an IPv4 or IPv6 literal (RFC 3263 section 4.1: no DNS then). */
    public boolean numericHost() {
        return isNumeric(host);
    }

    static boolean isNumeric(String host) {
        return host.contains(":") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static int port(String text, String uri) {
        try {
            int p = Integer.parseInt(text);
            if (p <= 0 || p > 65535) {
                throw new IllegalArgumentException("port out of range in " + uri);
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + uri);
        }
    }
}
