package io.switchboard.park.domain;

import java.util.Optional;

/**
 * An orbit's state as the dialog event package shows it (RFC 4235), so a desk phone's busy-lamp
 * key subscribed to the orbit lights while a call is parked there. Each NOTIFY carries the full
 * state (RFC 4235 section 4.1, {@code state="full"}): one {@code confirmed} dialog while a call is
 * parked, none when the orbit is free. The remote identity is the parked caller (display name and
 * URI), so the phone can show whose call waits.
 */
public final class OrbitDialogInfo {

    public static final String CONTENT_TYPE = "application/dialog-info+xml";

    private OrbitDialogInfo() {}

    /** The orbit as a SIP URI at {@code domain}; a {@code #} is escaped, as a user part needs (RFC 3261 section 25.1). */
    public static String orbitUri(Orbit orbit, String domain) {
        return "sip:" + orbit.toString().replace("#", "%23") + "@" + domain;
    }

    /**
     * The {@code dialog-info} document.
     *
     * @param entity  the orbit's URI ({@link #orbitUri})
     * @param version the subscription's document version, +1 per NOTIFY (RFC 4235 section 4.1.1)
     * @param parkId  the parked call's id (the dialog element's {@code id}); ignored when {@code call} is empty
     * @param call    the call parked at the orbit, or empty
     */
    public static String body(String entity, long version, String parkId, Optional<ParkedCall> call) {
        StringBuilder b = new StringBuilder(256);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"")
                .append(version)
                .append("\" state=\"full\" entity=\"")
                .append(escape(entity))
                .append('"');
        if (call.isEmpty()) {
            return b.append("/>\n").toString();
        }
        CallerIdentity caller = call.get().caller();
        b.append(">\n");
        b.append("  <dialog id=\"").append(escape(parkId)).append("\" direction=\"recipient\">\n");
        b.append("    <state>confirmed</state>\n");
        b.append("    <remote>\n");
        b.append("      <identity");
        if (!caller.displayName().isEmpty()) {
            b.append(" display=\"").append(escape(caller.displayName())).append('"');
        }
        b.append('>').append(escape(caller.uri())).append("</identity>\n");
        b.append("    </remote>\n");
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
