package io.switchboard.presence.domain;

import java.util.Locale;

/**
 * What identifies one endpoint (one phone) of a user, for pairing its PUBLISHes with its
 * registration ({@link EndpointPairing}): its RFC 5626 {@code +sip.instance} when it sent one,
 * the flow the request came on (transport, source address and port: for TCP/TLS the connection,
 * for UDP the source socket) and its Contact URI when it sent one.
 *
 * <p>It travels and is stored as one text ({@link #key()}): the {@code endpoint} column of a
 * publication and the key of a registered endpoint. The text is
 * {@code <transport>:<host>:<port>[ instance=<urn>][ contact=<uri>][ relayed]}; none of the parts
 * holds a space (whitespace is removed from them). Texts written before the flow was kept with an
 * instance ({@code instance:<urn>}) still parse, as does any other text (an opaque id that pairs
 * only with the same text).
 *
 * <p>{@code relayed}: the request came through a proxy (more than one Via, RFC 3261 section
 * 16.6 step 8), e.g. a branch node's or a proxying SBC's, so the flow is that proxy's and names no
 * one device; a release before this part reads such a text as opaque.
 *
 * @param instance  the {@code +sip.instance} without quotes and angle brackets, lower case, or null
 * @param transport "udp", "tcp" or "tls", or null when the flow is not known
 * @param host      the source address, or null
 * @param port      the source port, or 0
 * @param contact   the Contact URI (no angle brackets, no header parameters), or null
 * @param relayed   whether the request came through a proxy, so that the flow is the proxy's
 * @param opaque    a text in no known form (then every other part is null), else null
 */
public record EndpointId(
        String instance, String transport, String host, int port, String contact, boolean relayed, String opaque) {

    private static final String INSTANCE = " instance=";
    private static final String CONTACT = " contact=";
    private static final String RELAYED = "relayed";

    /** An endpoint as a request shows it; blank parts are absent (null). */
    public static EndpointId of(String instance, String transport, String host, int port, String contact) {
        return new EndpointId(
                normalInstance(instance),
                blank(transport) ? null : clean(transport).toLowerCase(Locale.ROOT),
                blank(host) ? null : clean(host),
                port,
                normalContact(contact),
                false,
                null);
    }

    /** This endpoint as seen through a proxy: its flow is the proxy's. */
    public EndpointId viaProxy() {
        return new EndpointId(instance, transport, host, port, contact, true, opaque);
    }

    /**
     * Whether this id names one device, so that a second initial publication from it supersedes
     * its first ({@link PublishRules}): it has an instance (RFC 5626 section 4.1), or a flow that
     * is the device's own (not relayed). Opaque ids do not.
     */
    public boolean namesOneDevice() {
        return opaque == null && (instance != null || (hasFlow() && !relayed));
    }

    /** The text form (see the class comment); {@link #parse} gives this record back. */
    public String key() {
        if (opaque != null) {
            return opaque;
        }
        StringBuilder b = new StringBuilder(96);
        if (transport != null && host != null) {
            b.append(transport).append(':').append(host).append(':').append(port);
        }
        if (instance != null) {
            b.append(b.length() == 0 ? "instance:" : INSTANCE).append(instance);
        }
        if (contact != null && hasFlow()) {
            // a Contact pairs only together with the source address (EndpointPairing), so it is
            // kept only with a flow
            b.append(CONTACT).append(contact);
        }
        if (relayed && hasFlow()) {
            b.append(' ').append(RELAYED);
        }
        return b.toString();
    }

    /** Reads a {@link #key()}, including the earlier forms {@code instance:<urn>} and {@code <transport>:<host>:<port>}. */
    public static EndpointId parse(String key) {
        if (key.startsWith("instance:")) {
            // the earlier form of an endpoint with an instance: nothing else was kept
            return new EndpointId(key.substring("instance:".length()), null, null, 0, null, false, null);
        }
        String[] parts = key.split(" ");
        String flow = parts[0];
        int first = flow.indexOf(':');
        int last = flow.lastIndexOf(':');
        String transport = first > 0 ? flow.substring(0, first).toLowerCase(Locale.ROOT) : "";
        if (!(transport.equals("udp") || transport.equals("tcp") || transport.equals("tls"))
                || last <= first
                || !isPort(flow.substring(last + 1))) {
            return new EndpointId(null, null, null, 0, null, false, key);
        }
        String instance = null;
        String contact = null;
        boolean relayed = false;
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].startsWith("instance=")) {
                instance = parts[i].substring("instance=".length());
            } else if (parts[i].startsWith("contact=")) {
                contact = parts[i].substring("contact=".length());
            } else if (parts[i].equals(RELAYED)) {
                relayed = true;
            } else {
                return new EndpointId(null, null, null, 0, null, false, key);
            }
        }
        return new EndpointId(
                instance,
                transport,
                flow.substring(first + 1, last),
                Integer.parseInt(flow.substring(last + 1)),
                contact,
                relayed,
                null);
    }

    boolean hasFlow() {
        return transport != null && host != null;
    }

    private static boolean isPort(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code "<urn:uuid:X>"} and {@code <urn:uuid:X>} and {@code urn:uuid:X} are one instance (RFC 5626 section 4.1). */
    private static String normalInstance(String instance) {
        if (blank(instance)) {
            return null;
        }
        String i = clean(instance);
        if (i.startsWith("\"") && i.endsWith("\"") && i.length() >= 2) {
            i = i.substring(1, i.length() - 1);
        }
        if (i.startsWith("<") && i.endsWith(">") && i.length() >= 2) {
            i = i.substring(1, i.length() - 1);
        }
        return i.isEmpty() ? null : i.toLowerCase(Locale.ROOT);
    }

    private static String normalContact(String contact) {
        if (blank(contact)) {
            return null;
        }
        String c = clean(contact);
        if (c.startsWith("<") && c.endsWith(">") && c.length() >= 2) {
            c = c.substring(1, c.length() - 1);
        }
        return c.isEmpty() ? null : c;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The text form separates parts by spaces: no part may hold whitespace. */
    private static String clean(String s) {
        return s.replaceAll("\\s+", "");
    }
}
