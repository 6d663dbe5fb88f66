package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import java.util.concurrent.CompletionStage;

/**
 * Users' contact lists. Owners and URIs are canonical {@code sip:user@domain}
 * ({@link io.switchboard.presence.domain.ContactListRules}); the store checks nothing, the
 * owner's entity has applied the rules before it writes. Every stage completes when the write is
 * durable at the session's consistency. Writes carry the owner's entity's write timestamp
 * ({@link WriteStamp}, docs/architecture.md decision (c)).
 */
public interface ContactListStore {

    /** The list of {@code owner}, contacts ordered by URI; empty when they have none. */
    CompletionStage<ContactList> load(String owner);

    /** Adds {@code contact} to the list of {@code owner}, replacing the contact with the same URI. */
    CompletionStage<Void> put(String owner, Contact contact, WriteStamp stamp);

    /** Removes the contact {@code uri}; completes normally also when it was not there. */
    CompletionStage<Void> remove(String owner, String uri, WriteStamp stamp);
}
