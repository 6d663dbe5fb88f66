package io.switchboard.node;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Checked;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.ContactListRules;
import io.switchboard.presence.domain.PresenceView;
import io.switchboard.presence.entity.PresenceAdmin;
import io.switchboard.presence.store.AccessStore;
import io.switchboard.presence.store.ContactListStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the presence entities' {@link PresenceAdmin}, for tests of the admin API and
 * CLI: edits go straight to the (real) stores after {@link ContactListRules}, with no entity, no
 * single writer and no re-notification. The presence a test sets with {@link #show} is what
 * everyone sees, except that a blocked watcher sees Offline. It records which watcher each
 * presence query was for.
 */
final class StoreBackedPresenceAdmin implements PresenceAdmin {

    private final ContactListStore contacts;
    private final AccessStore access;
    private final Set<String> enterpriseDomains;
    private final Map<String, PresenceView> views = new ConcurrentHashMap<>();
    final List<String> presenceQueries = new CopyOnWriteArrayList<>();

    StoreBackedPresenceAdmin(ContactListStore contacts, AccessStore access, Set<String> enterpriseDomains) {
        this.contacts = contacts;
        this.access = access;
        this.enterpriseDomains = enterpriseDomains;
    }

    void show(PresenceView view) {
        views.put(view.entity(), view);
    }

    @Override
    public CompletionStage<AccessPolicy> access(String owner) {
        return access.load(owner);
    }

    @Override
    public CompletionStage<AccessPolicy> setAccess(String owner, String watcherOrDomain, AccessLevel level) {
        CompletionStage<Void> write = level == null
                ? access.remove(owner, watcherOrDomain, WriteStamp.UNFENCED)
                : access.set(owner, watcherOrDomain, level, WriteStamp.UNFENCED);
        return write.thenCompose(ok -> access.load(owner));
    }

    /** The stand-in has no subscriptions to end: a revocation is a block. */
    @Override
    public CompletionStage<AccessPolicy> revoke(String owner, String watcher) {
        return setAccess(owner, watcher, AccessLevel.BLOCKED);
    }

    @Override
    public CompletionStage<ContactList> contacts(String owner) {
        return contacts.load(owner);
    }

    @Override
    public CompletionStage<ContactList> putContact(String owner, Contact contact) {
        return contacts.load(owner).thenCompose(list -> {
            Checked<ContactList> next = ContactListRules.add(list, contact);
            if (next instanceof Checked.Invalid<ContactList> bad) {
                return CompletableFuture.failedFuture(new Rejected(bad.reasons()));
            }
            Contact canonical = ((Checked.Ok<ContactList>) next)
                    .value().contacts().stream()
                            .filter(c -> c.uri().equalsIgnoreCase(contact.uri()))
                            .findFirst()
                            .orElseThrow();
            return contacts.put(owner, canonical, WriteStamp.UNFENCED).thenCompose(ok -> contacts.load(owner));
        });
    }

    @Override
    public CompletionStage<ContactList> removeContact(String owner, String uri) {
        return contacts.remove(owner, uri, WriteStamp.UNFENCED).thenCompose(ok -> contacts.load(owner));
    }

    @Override
    public CompletionStage<PresenceView> presence(String presentity, String watcher) {
        presenceQueries.add(String.valueOf(watcher));
        PresenceView full = views.getOrDefault(presentity, PresenceView.offline(presentity, Instant.EPOCH));
        if (watcher == null) {
            return CompletableFuture.completedFuture(full);
        }
        return access.load(presentity)
                .thenApply(policy -> policy.levelFor(presentity, watcher, enterpriseDomains) == AccessLevel.BLOCKED
                        ? PresenceView.offline(presentity, full.since())
                        : full);
    }
}
