package io.switchboard.presence.entity;

import java.util.concurrent.CompletionStage;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.PresenceView;

/** TEMPORARY: replaced by the contacts helper's version at merge. */
public interface PresenceAdmin {
    CompletionStage<AccessPolicy> access(String owner);

    CompletionStage<AccessPolicy> setAccess(String owner, String watcherOrDomain, AccessLevel level);

    CompletionStage<ContactList> contacts(String owner);

    CompletionStage<ContactList> putContact(String owner, Contact contact);

    CompletionStage<ContactList> removeContact(String owner, String uri);

    CompletionStage<PresenceView> presence(String presentity, String watcher);
}
