package io.switchboard.presence.entity;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import io.switchboard.presence.domain.PresenceView;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What the admin API and the users' own HTTP interface may read and change of a user's presence.
 * Implemented on top of the presence entities: a change must go through the owner's entity,
 * because an access change re-notifies the affected watchers at once and a contact-list change
 * updates the owner's list subscriptions (RFC 4662).
 *
 * <p>Owners are canonical AORs ({@code sip:user@domain}, domain lower-cased); the callers check
 * that the account exists and that keys and contacts pass
 * {@link io.switchboard.presence.domain.AccessRules} / {@link io.switchboard.presence.domain.ContactListRules#checkContact}.
 * A change the rules refuse only against the whole list (more than 1,000 contacts or 64 groups)
 * completes exceptionally with {@link Rejected}; infrastructure trouble (a store write failed, the
 * entity did not answer in time) with any other exception.
 */
public interface PresenceAdmin {

    CompletionStage<AccessPolicy> access(String owner);

    /** level null removes the entry. Returns the policy after the change. */
    CompletionStage<AccessPolicy> setAccess(String owner, String watcherOrDomain, AccessLevel level);

    /**
     * Loss of authorization: blocks {@code watcher} and ends its subscriptions to {@code owner} with
     * {@code Subscription-State: terminated;reason=rejected}. Returns the policy after the change.
     */
    CompletionStage<AccessPolicy> revoke(String owner, String watcher);

    CompletionStage<ContactList> contacts(String owner);

    CompletionStage<ContactList> putContact(String owner, Contact contact);

    CompletionStage<ContactList> removeContact(String owner, String uri);

    /** What `watcher` sees of `presentity` right now (watcher null = the full, unfiltered view). */
    CompletionStage<PresenceView> presence(String presentity, String watcher);

    /**
     * The edit breaks a rule ({@link io.switchboard.presence.domain.Checked.Invalid#reasons}); nothing
     * was changed. Callers answer it as a client error (HTTP 400), unlike other failures.
     */
    final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final List<String> reasons;

        public Rejected(List<String> reasons) {
            super(String.join("; ", reasons), null, false, false);
            this.reasons = List.copyOf(reasons);
        }

        public List<String> reasons() {
            return reasons;
        }
    }
}
