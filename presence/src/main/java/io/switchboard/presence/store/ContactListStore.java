package io.switchboard.presence.store;

import java.util.concurrent.CompletionStage;

import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;

/** TEMPORARY: replaced by the contacts helper's version at merge. */
public interface ContactListStore {
    CompletionStage<ContactList> load(String owner);

    CompletionStage<Void> put(String owner, Contact contact);

    CompletionStage<Void> remove(String owner, String uri);
}
