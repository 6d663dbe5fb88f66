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

    /** "Bob" or, without a display name, the URI: what the parker's MESSAGE names. */
    public String shown() {
        return displayName.isEmpty() ? uri : displayName;
    }
}
