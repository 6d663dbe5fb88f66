package io.switchboard.presence.store;

import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import java.util.concurrent.CompletionStage;

/**
 * Users' contact lists. Owners and URIs are canonical {@code sip:user@domain}
 * ({@link io.switchboard.presence.domain.ContactListRules}); the store checks nothing, the
 * owner's entity has applied the rules before it writes. Every stage completes when the write is
 * durable at the session's consistency.
 */
public interface ContactListStore {

    /** The list of {@code owner}, contacts ordered by URI; empty when they have none. */
    CompletionStage<ContactList> load(String owner);

    /** Adds {@code contact} to the list of {@code owner}, replacing the contact with the same URI. */
    CompletionStage<Void> put(String owner, Contact contact);

    /** Removes the contact {@code uri}; completes normally also when it was not there. */
    CompletionStage<Void> remove(String owner, String uri);
}
