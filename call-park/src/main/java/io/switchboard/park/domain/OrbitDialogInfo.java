package io.switchboard.park.domain;

import java.util.Optional;

/**
 * An orbit's state as the dialog event package shows it (RFC 4235), so a desk phone's busy-lamp
 * key subscribed to the orbit lights while a call is parked there. Each NOTIFY carries the full
 * state (RFC 4235 section 4.1, {@code state="full"}): one {@code confirmed} dialog while a call is
 * parked, none when the orbit is free.
 *
 * <p>Only the state is shown. Any of our users may subscribe to any orbit, and a lamp needs no
 * more: the document names neither the parked caller (no {@code <remote>}, whose identity is
 * optional in section 4.1.6), nor the parker, nor the park's Call-ID. The dialog's {@code id},
 * which must stay the same while it lasts (section 4.1.2), is a digest of the park id, the same on
 * every node and telling nothing of the call ({@link #dialogId}); a new call parked at the orbit
 * is a new dialog.
 */
public final class OrbitDialogInfo {

    public static final String CONTENT_TYPE = "application/dialog-info+xml";

    private OrbitDialogInfo() {}

    /** The orbit as a SIP URI at {@code domain}; a {@code #} is escaped, as a user part needs (RFC 3261 section 25.1). */
    public static String orbitUri(Orbit orbit, String domain) {
        return "sip:" + orbit.toString().replace("#", "%23") + "@" + domain;
    }

    /** The dialog element's id for the park {@code parkId}: the first 64 bits of its SHA-256, in hex. */
    public static String dialogId(String parkId) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(parkId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "park-" + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every Java runtime", e);
        }
    }

    /**
     * The {@code dialog-info} document.
     *
     * @param entity   the orbit's URI ({@link #orbitUri})
     * @param version  the subscription's document version: 0 for its first NOTIFY, +1 for each
     *                 next one (RFC 4235 section 4.1)
     * @param dialogId the parked call's {@link #dialogId}, or empty when the orbit is free
     */
    public static String body(String entity, long version, Optional<String> dialogId) {
        StringBuilder b = new StringBuilder(256);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"")
                .append(version)
                .append("\" state=\"full\" entity=\"")
                .append(escape(entity))
                .append('"');
        if (dialogId.isEmpty()) {
            return b.append("/>\n").toString();
        }
        b.append(">\n");
        // recipient: the parked call came in to the orbit (section 4.1.1)
        b.append("  <dialog id=\"").append(escape(dialogId.get())).append("\" direction=\"recipient\">\n");
        b.append("    <state>confirmed</state>\n");
        b.append("  </dialog>\n");
        return b.append("</dialog-info>\n").toString();
    }

    /** XML 1.0 character escapes for text and attribute values. */
    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
