package io.switchboard.presence.domain;

import java.util.Locale;

/**
 * What an entry of an {@link AccessPolicy} may be keyed by: a watcher's {@code sip:user@domain}
 * (checked as a contact URI, {@link ContactListRules#canonicalUri}) or a bare domain
 * ({@code partner.example}), told apart by {@link AccessPolicy#isDomainKey}. Keys are lower-cased
 * as a whole, user part included, because {@link AccessPolicy} compares watchers that way. A user
 * cannot set a level for themself: they always see all of their own presence.
 */
public final class AccessRules {

    private AccessRules() {}

    /** {@code key} in canonical form, or why it cannot key an access entry of {@code owner}. */
    public static Checked<String> canonicalKey(String owner, String key) {
        if (key == null || key.isBlank()) {
            return Checked.invalid("watcher is missing: give a watcher sip:user@domain or a domain");
        }
        String k = key.strip();
        if (AccessPolicy.isDomainKey(k)) {
            return ContactListRules.canonicalDomain("watcher", k);
        }
        return ContactListRules.canonicalUri("watcher", k)
                .flatMap(aor -> aor.equalsIgnoreCase(owner)
                        ? Checked.invalid("watcher " + aor + " is the user themself, who always sees everything")
                        : Checked.ok(aor.toLowerCase(Locale.ROOT)));
    }
}
