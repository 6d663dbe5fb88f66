package io.switchboard.presence.domain;

import java.util.List;
import java.util.Objects;

/**
 * One entry of a user's contact list: whom they watch, the name they gave them, and the groups
 * (Lync "contact groups") it is shown in. A contact in no group is shown under "Other Contacts"
 * by clients; the server keeps it with an empty group list.
 *
 * @param uri         {@code sip:user@domain}, canonical ({@link ContactListRules#canonicalUri})
 * @param displayName the name the owner gave the contact; empty when none
 * @param groups      group names in the owner's order, without duplicates
 */
public record Contact(String uri, String displayName, List<String> groups) {

    public Contact {
        Objects.requireNonNull(uri, "uri");
        displayName = displayName == null ? "" : displayName;
        groups = List.copyOf(groups == null ? List.of() : groups);
    }
}
