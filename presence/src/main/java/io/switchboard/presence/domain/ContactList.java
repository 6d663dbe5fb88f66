package io.switchboard.presence.domain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A user's contact list: the presentities they watch (also the resource list a SUBSCRIBE with
 * {@code Supported: eventlist} to their own AOR expands to, RFC 4662). Contacts are kept in the
 * order given (the store returns them ordered by URI); every URI occurs at most once.
 */
public record ContactList(String owner, List<Contact> contacts) {

    public ContactList {
        Objects.requireNonNull(owner, "owner");
        contacts = List.copyOf(contacts);
    }

    public static ContactList empty(String owner) {
        return new ContactList(owner, List.of());
    }

    /** The contacts' URIs, in list order. */
    public List<String> uris() {
        return contacts.stream().map(Contact::uri).toList();
    }

    public Optional<Contact> find(String uri) {
        return contacts.stream().filter(c -> c.uri().equals(uri)).findFirst();
    }

    /** The distinct group names used by the contacts, in order of first use. */
    public Set<String> groups() {
        Set<String> all = new LinkedHashSet<>();
        contacts.forEach(c -> all.addAll(c.groups()));
        return all;
    }

    /** This list with {@code contact} added, or replacing the contact with the same URI in place. */
    public ContactList with(Contact contact) {
        List<Contact> next = new ArrayList<>(contacts.size() + 1);
        boolean replaced = false;
        for (Contact c : contacts) {
            if (c.uri().equals(contact.uri())) {
                next.add(contact);
                replaced = true;
            } else {
                next.add(c);
            }
        }
        if (!replaced) {
            next.add(contact);
        }
        return new ContactList(owner, next);
    }

    /** This list without the contact {@code uri} (the same list when it is not there). */
    public ContactList without(String uri) {
        return new ContactList(
                owner, contacts.stream().filter(c -> !c.uri().equals(uri)).toList());
    }
}
