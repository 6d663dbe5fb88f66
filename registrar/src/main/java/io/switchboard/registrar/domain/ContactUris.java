package io.switchboard.registrar.domain;

import java.util.Locale;
import java.util.TreeMap;

/**
 * Contact URI comparison for binding identity (RFC 3261 section 19.1.4).
 *
 * <p>Scheme and host compare case-insensitively, the user part case-sensitively, an explicit port
 * differs from an absent one, and the parameters {@code transport, user, ttl, method, maddr} must
 * agree. Other parameters and URI headers are ignored: the RFC compares them only when both URIs
 * carry them, and clients that change such parameters between refreshes are better served by one
 * binding than by two.
 */
public final class ContactUris {

    private static final java.util.Set<String> SIGNIFICANT_PARAMS =
            java.util.Set.of("transport", "user", "ttl", "method", "maddr");

    private ContactUris() {}

    /** A canonical string: equal strings mean equal URIs in the sense above. */
    public static String comparisonKey(String uri) {
        String s = uri.trim();
        int headers = s.indexOf('?');
        if (headers >= 0) {
            s = s.substring(0, headers);
        }
        int colon = s.indexOf(':');
        String scheme = colon > 0 ? s.substring(0, colon).toLowerCase(Locale.ROOT) : "sip";
        String rest = colon > 0 ? s.substring(colon + 1) : s;
        String[] parts = rest.split(";");
        String hostPart = parts[0];
        String user = "";
        int at = hostPart.lastIndexOf('@');
        if (at >= 0) {
            user = hostPart.substring(0, at);
            hostPart = hostPart.substring(at + 1);
        }
        TreeMap<String, String> params = new TreeMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int eq = p.indexOf('=');
            String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            if (SIGNIFICANT_PARAMS.contains(name)) {
                params.put(name, eq < 0 ? "" : p.substring(eq + 1).trim().toLowerCase(Locale.ROOT));
            }
        }
        StringBuilder key = new StringBuilder(scheme).append(':');
        if (!user.isEmpty()) {
            key.append(user).append('@');
        }
        key.append(hostPart.toLowerCase(Locale.ROOT));
        params.forEach((k, v) -> key.append(';').append(k).append('=').append(v));
        return key.toString();
    }
}
