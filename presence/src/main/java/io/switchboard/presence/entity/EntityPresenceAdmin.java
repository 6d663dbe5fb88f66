package io.switchboard.presence.entity;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.PresenceView;
import java.util.concurrent.CompletionStage;

/**
 * The admin API's and the user interface's way to presence: every change goes through the
 * owning entity, so an access change re-notifies the watchers at once and a contact-list edit
 * updates the list subscriptions. An entity that cannot answer fails the stage
 * ({@link IllegalStateException} with the reason, or the ask's timeout).
 */
public final class EntityPresenceAdmin implements PresenceAdmin {

    private final ShardedPresence presence;

    public EntityPresenceAdmin(ShardedPresence presence) {
        this.presence = presence;
    }

    @Override
    public CompletionStage<AccessPolicy> access(String owner) {
        return presence.access(owner).thenApply(EntityPresenceAdmin::policyOf);
    }

    @Override
    public CompletionStage<AccessPolicy> setAccess(String owner, String watcherOrDomain, AccessLevel level) {
        return presence.setAccess(owner, watcherOrDomain, level).thenApply(EntityPresenceAdmin::policyOf);
    }

    /**
     * Loss of authorization: blocks {@code watcher} and ends its subscriptions to {@code owner}
     * with {@code terminated;reason=rejected}.
     */
    @Override
    public CompletionStage<AccessPolicy> revoke(String owner, String watcher) {
        return presence.revoke(owner, watcher).thenApply(EntityPresenceAdmin::policyOf);
    }

    @Override
    public CompletionStage<ContactList> contacts(String owner) {
        return presence.contacts(owner).thenApply(EntityPresenceAdmin::contactsOf);
    }

    @Override
    public CompletionStage<ContactList> putContact(String owner, Contact contact) {
        return presence.putContact(owner, contact).thenApply(EntityPresenceAdmin::contactsOf);
    }

    @Override
    public CompletionStage<ContactList> removeContact(String owner, String uri) {
        return presence.removeContact(owner, uri).thenApply(EntityPresenceAdmin::contactsOf);
    }

    @Override
    public CompletionStage<PresenceView> presence(String presentity, String watcher) {
        return presence.view(presentity, watcher).thenApply(r -> {
            if (r instanceof PresentityEntity.CurrentView v) {
                return v.view();
            }
            throw new IllegalStateException(((PresentityEntity.Unavailable) r).reason());
        });
    }

    private static ContactList contactsOf(WatcherEntity.ContactsReply r) {
        if (r instanceof WatcherEntity.Contacts c) {
            return c.list();
        }
        if (r instanceof WatcherEntity.ContactsRefused refused) {
            throw new Rejected(refused.reasons());
        }
        throw new IllegalStateException(((WatcherEntity.Unavailable) r).reason());
    }

    private static AccessPolicy policyOf(PresentityEntity.AccessReply r) {
        if (r instanceof PresentityEntity.CurrentAccess c) {
            return c.policy();
        }
        throw new IllegalStateException(((PresentityEntity.Unavailable) r).reason());
    }
}
