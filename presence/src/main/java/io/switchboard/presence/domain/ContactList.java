package io.switchboard.presence.domain;

import java.util.List;

/** TEMPORARY: replaced by the contacts helper's version at merge. */
public record ContactList(String owner, List<Contact> contacts) {
    public List<String> uris() {
        return contacts.stream().map(Contact::uri).toList();
    }
}
