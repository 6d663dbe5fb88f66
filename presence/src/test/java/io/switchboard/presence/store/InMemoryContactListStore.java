package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Test fake of {@link ContactListStore}; writes go through a {@link WriteGate}. */
public final class InMemoryContactListStore implements ContactListStore {

    public final WriteGate gate = new WriteGate();
    private final Map<String, List<Contact>> lists = new ConcurrentHashMap<>();

    public ContactList stored(String owner) {
        return new ContactList(owner, List.copyOf(lists.getOrDefault(owner, List.of())));
    }

    @Override
    public CompletionStage<ContactList> load(String owner) {
        return CompletableFuture.completedFuture(stored(owner));
    }

    @Override
    public CompletionStage<Void> put(String owner, Contact contact, WriteStamp stamp) {
        return gate.write(() -> lists.compute(owner, (k, v) -> {
            List<Contact> next = new ArrayList<>(v == null ? List.of() : v);
            next.removeIf(c -> c.uri().equals(contact.uri()));
            next.add(contact);
            return next;
        }));
    }

    @Override
    public CompletionStage<Void> remove(String owner, String uri, WriteStamp stamp) {
        return gate.write(() -> lists.computeIfPresent(owner, (k, v) -> {
            List<Contact> next = new ArrayList<>(v);
            next.removeIf(c -> c.uri().equals(uri));
            return next;
        }));
    }
}
