package io.switchboard.park.domain;

import java.util.Optional;

/**
 * Who the parked caller is, kept through park and retrieve so the retriever's phone shows the
 * caller, not the park service.
 *
 * @param uri               the caller's From URI
 * @param displayName       the From display name, "" when none
 * @param assertedIdentity  the P-Asserted-Identity (RFC 3325) the caller's INVITE carried, if any
 */
public record CallerIdentity(String uri, String displayName, Optional<String> assertedIdentity) {

    public CallerIdentity {
        displayName = displayName == null ? "" : displayName;
        assertedIdentity = assertedIdentity == null ? Optional.empty() : assertedIdentity;
    }

    /**
     * The caller's identity as a P-Asserted-Identity value (RFC 3325 section 9.1) for whoever gets
     * the call from the orbit: the one the caller's INVITE carried when it names the URI the caller
     * authenticated as (a phone cannot make us assert someone else), else that URI with the From
     * display name ({@code "Bob" <sip:bob@example.test>}).
     */
    public String asserted() {
        if (assertedIdentity.isPresent() && uri.equalsIgnoreCase(uriIn(assertedIdentity.get()))) {
            return assertedIdentity.get();
        }
        if (displayName.isEmpty()) {
            return "<" + uri + ">";
        }
        // RFC 3261 section 25.1: a quoted-string escapes " and \
        return "\"" + displayName.replace("\\", "\\\\").replace("\"", "\\\"") + "\" <" + uri + ">";
    }

    private static String uriIn(String nameAddr) {
        int lt = nameAddr.indexOf('<');
        int gt = nameAddr.indexOf('>', lt + 1);
        return lt >= 0 && gt > lt ? nameAddr.substring(lt + 1, gt).trim() : nameAddr.trim();
    }

    /** "Bob" or, without a display name, the URI: what the parker's MESSAGE names. */
    public String shown() {
        return displayName.isEmpty() ? uri : displayName;
    }
}
