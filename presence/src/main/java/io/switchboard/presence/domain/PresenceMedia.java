package io.switchboard.presence.domain;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which presence bodies the pool sends and takes: PIDF (RFC 3863) for one presentity, and for
 * lists multipart/related with an RLMI document (RFC 4662 section 5); PUBLISH carries PIDF only.
 */
public final class PresenceMedia {

    public static final String PIDF = "application/pidf+xml";
    /** A presence document is ~4 KB; 25 KB bounds what one PUBLISH may store. */
    public static final int MAX_BODY = 25 * 1024;

    private PresenceMedia() {}

    /**
     * True when a subscriber can take what the pool sends (otherwise 406, RFC 3261 section
     * 21.4.7): no Accept at all means {@value #PIDF} (RFC 3856 section 6.5), or one of the
     * Accept types covers PIDF or the multipart/related that carries list NOTIFYs (RFC 4662 section 5).
     *
     * @param accept media types, lower-case {@code type/subtype}
     */
    public static boolean subscriberAccepts(List<String> accept) {
        if (accept.isEmpty()) {
            return true;
        }
        for (String t : accept) {
            if (t.equals(PIDF) || t.equals("application/*") || t.equals("*/*") || t.equals("multipart/related")) {
                return true;
            }
        }
        return false;
    }

    /** The 406 for a subscriber that accepts nothing the pool sends. */
    public static EdgeRefusal notAcceptable() {
        return new EdgeRefusal(406, "Presence is sent as application/pidf+xml", Map.of("Accept", PIDF));
    }

    /**
     * Whether a PUBLISH body may be read: 413 when larger than {@link #MAX_BODY}, 415 with
     * Accept when it is not PIDF (RFC 3903 section 6 step 4, RFC 3261 section 21.4.13).
     *
     * @param contentType the Content-Type, lower-case {@code type/subtype}, or null without one
     * @param length      the body's length, above 0
     */
    public static Optional<EdgeRefusal> checkPublishBody(String contentType, int length) {
        if (length > MAX_BODY) {
            return Optional.of(EdgeRefusal.of(413, "Presence document larger than 25 KB"));
        }
        if (!PIDF.equals(contentType)) {
            return Optional.of(new EdgeRefusal(415, null, Map.of("Accept", PIDF)));
        }
        return Optional.empty();
    }
}
