package io.switchboard.presence.entity;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Checked;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.ContactListRules;
import io.switchboard.presence.domain.Subscription;
import io.switchboard.presence.entity.WatcherEntity.Command;
import io.switchboard.presence.entity.WatcherEntity.Contacts;
import io.switchboard.presence.entity.WatcherEntity.ContactsRefused;
import io.switchboard.presence.entity.WatcherEntity.ContactsReply;
import io.switchboard.presence.entity.WatcherEntity.GetContacts;
import io.switchboard.presence.entity.WatcherEntity.PutContact;
import io.switchboard.presence.entity.WatcherEntity.RemoveContact;
import io.switchboard.presence.entity.WatcherEntity.Settings;
import io.switchboard.presence.entity.WatcherEntity.Unavailable;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A watcher's contact list (RFC 4826) and how an edit of it reaches the subscriptions that follow
 * it (a SUBSCRIBE to the watcher's own list URI): the list is stored, then every following dialog
 * takes the new list as its resources, in full state, its row is rewritten, and the editor is
 * answered. Kept apart from {@link WatcherBehavior}, which owns the dialogs: the list's edits and
 * their ordering are one concern, reached from the admin API rather than from SIP.
 */
final class ContactListEdits {

    /** What the edits need of the watcher entity: its writes and its dialogs. */
    interface Host {
        Instant clock();

        void store(Supplier<? extends CompletionStage<?>> io, Runnable onWritten, Consumer<Throwable> onFailed);

        /** The entity's write timestamp for the write being started: call it inside {@code io}. */
        WriteStamp stamp();

        /** The live dialogs that follow the contact list. */
        List<Dialog> following();

        /** Asks the presentities of {@code added}, now in {@code d}'s resources, for their views. */
        void watchAll(Dialog d, List<String> added);

        /** Of {@code candidates}, stops watching those that no dialog has any more. */
        void unwatchUnused(List<String> candidates);
    }

    private final String watcher;
    private final Settings settings;
    private final Host host;
    private ContactList contacts;

    ContactListEdits(String watcher, Settings settings, Host host) {
        this.watcher = watcher;
        this.settings = settings;
        this.host = host;
        this.contacts = new ContactList(watcher, List.of());
    }

    ContactList list() {
        return contacts;
    }

    /** The list as stored (the entity was loaded). */
    void loaded(ContactList stored) {
        contacts = stored;
    }

    /** A contact-list command (GetContacts, PutContact, RemoveContact); others are not for it. */
    void handle(Command command) {
        if (command instanceof GetContacts g) {
            g.replyTo().tell(new Contacts(contacts));
        } else if (command instanceof PutContact p) {
            Checked<ContactList> next = ContactListRules.add(contacts, p.contact());
            edit(next, () -> settings.contacts().put(watcher, p.contact(), host.stamp()), p.replyTo());
        } else if (command instanceof RemoveContact r) {
            Checked<ContactList> next = ContactListRules.remove(contacts, r.uri());
            edit(next, () -> settings.contacts().remove(watcher, r.uri(), host.stamp()), r.replyTo());
        }
    }

    /**
     * Stores the contact-list edit, then brings every contact-list subscription up to date
     * (full state), and answers once all of it is stored. The list (one partition) is written
     * first and is what counts: a contact-list dialog takes its resources from the list when it
     * is loaded, so if rewriting a dialog's row fails afterwards nothing is half-applied; the
     * editor is told to retry, which is harmless.
     */
    private void edit(
            Checked<ContactList> checked, Supplier<CompletionStage<Void>> io, ActorRef<ContactsReply> replyTo) {
        if (checked instanceof Checked.Invalid<ContactList> invalid) {
            replyTo.tell(new ContactsRefused(invalid.reasons()));
            return;
        }
        ContactList next = ((Checked.Ok<ContactList>) checked).value();
        host.store(
                io,
                () -> {
                    List<String> before = contacts.uris();
                    contacts = next;
                    Instant now = host.clock();
                    List<String> added = next.uris().stream()
                            .filter(u -> !before.contains(u))
                            .toList();
                    List<Dialog> following = host.following();
                    for (Dialog d : following) {
                        d.s = d.s.withResources(next.uris());
                        d.fullStateNext = true;
                        host.watchAll(d, added);
                    }
                    // the dialogs' rows, all in one write of this entity (one partition), then the answer
                    List<Subscription> rows = following.stream().map(d -> d.s).toList();
                    host.store(
                            () -> {
                                WriteStamp stamp = host.stamp(); // one write of the entity: one stamp
                                return CompletableFuture.allOf(rows.stream()
                                        .map(row -> settings.store()
                                                .put(row, now, stamp)
                                                .toCompletableFuture())
                                        .toArray(CompletableFuture[]::new));
                            },
                            () -> replyTo.tell(new Contacts(next)),
                            failure -> replyTo.tell(new Unavailable(WatcherEntity.STORE_UNAVAILABLE)));
                    host.unwatchUnused(before.stream()
                            .filter(u -> !next.uris().contains(u))
                            .toList());
                },
                failure -> replyTo.tell(new Unavailable(WatcherEntity.STORE_UNAVAILABLE)));
    }
}
