package io.switchboard.presence.domain;

import java.util.Locale;

/**
 * Whether a publication came from a given registered endpoint, so that the endpoint counts by
 * what it published and not also as "registered, state unknown" ({@link Aggregation}: a
 * registered endpoint that never published counts as Available, and the most active source wins,
 * so an unpaired registration would hide a {@code <basic>closed</basic>} its own phone published).
 *
 * <p>Phones do not send the same identity in both requests: an RFC 5626 (outbound) phone puts
 * {@code +sip.instance} and {@code reg-id} in its REGISTER's Contact, but a PUBLISH has no
 * Contact or one without the instance (RFC 3903 asks for none), and it comes over the same flow
 * (RFC 5626 section 4.2: the UA sends its requests over the flow it registered on). So the rules,
 * in order (each tested in {@code EndpointPairingTest}):
 *
 * <ol>
 *   <li>the same text ({@link EndpointId#key()}) &rarr; paired (also ids written by an earlier
 *       version, and opaque ones);</li>
 *   <li>both carry an instance &rarr; paired exactly when the instances are equal (RFC 5626
 *       section 4.1: the instance names the device, whatever flow it uses now);</li>
 *   <li>the same flow: transport, source address and port equal &rarr; paired (for TCP/TLS the
 *       same connection, for UDP the same socket: one device);</li>
 *   <li>the same source address (any port or transport) and the same Contact URI (scheme, user,
 *       host and port; URI parameters such as {@code transport} or {@code ob} ignored) &rarr;
 *       paired: a phone that opened a new connection for its PUBLISH, or sends from another
 *       port, but names itself with the Contact it registered;</li>
 *   <li>otherwise not paired.</li>
 * </ol>
 */
public final class EndpointPairing {

    private EndpointPairing() {}

    /** Whether the publication whose endpoint is {@code published} came from the endpoint {@code registered}. */
    public static boolean paired(String registered, String published) {
        if (registered.equals(published)) {
            return true;
        }
        return paired(EndpointId.parse(registered), EndpointId.parse(published));
    }

    /** The rules above, on parsed ids. */
    public static boolean paired(EndpointId registered, EndpointId published) {
        if (registered.key().equals(published.key())) {
            return true;
        }
        if (registered.instance() != null && published.instance() != null) {
            return registered.instance().equals(published.instance());
        }
        if (!registered.hasFlow() || !published.hasFlow()) {
            return false;
        }
        if (registered.transport().equals(published.transport())
                && registered.host().equalsIgnoreCase(published.host())
                && registered.port() == published.port()) {
            return true;
        }
        return registered.host().equalsIgnoreCase(published.host())
                && registered.contact() != null
                && published.contact() != null
                && sameContact(registered.contact(), published.contact());
    }

    /** scheme, user and host:port equal (host case-insensitive, RFC 3261 section 19.1.4); parameters ignored. */
    static boolean sameContact(String a, String b) {
        return contactCore(a).equals(contactCore(b));
    }

    private static String contactCore(String uri) {
        int colon = uri.indexOf(':');
        String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? uri : uri.substring(colon + 1);
        int at = rest.lastIndexOf('@');
        String user = at < 0 ? "" : rest.substring(0, at);
        String hostPort = at < 0 ? rest : rest.substring(at + 1);
        int end = hostPort.length();
        for (int i = 0; i < hostPort.length(); i++) {
            char c = hostPort.charAt(i);
            if (c == ';' || c == '?') {
                end = i;
                break;
            }
        }
        return scheme + ":" + user + "@" + hostPort.substring(0, end).toLowerCase(Locale.ROOT);
    }
}
