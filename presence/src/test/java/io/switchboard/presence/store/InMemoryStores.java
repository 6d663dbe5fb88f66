package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import io.switchboard.presence.domain.Contact;
import io.switchboard.presence.domain.ContactList;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** In-memory {@link ContactListStore} and {@link AccessStore} for pure unit tests (entity tests). */
final class InMemoryStores {

    private InMemoryStores() {}

    static final class Contacts implements ContactListStore {
        private final Map<String, TreeMap<String, Contact>> lists = new ConcurrentHashMap<>();

        @Override
        public synchronized CompletionStage<ContactList> load(String owner) {
            return CompletableFuture.completedFuture(new ContactList(
                    owner,
                    lists.getOrDefault(owner, new TreeMap<>()).values().stream().toList()));
        }

        @Override
        public synchronized CompletionStage<Void> put(String owner, Contact contact, WriteStamp stamp) {
            lists.computeIfAbsent(owner, o -> new TreeMap<>()).put(contact.uri(), contact);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public synchronized CompletionStage<Void> remove(String owner, String uri, WriteStamp stamp) {
            lists.getOrDefault(owner, new TreeMap<>()).remove(uri);
            return CompletableFuture.completedFuture(null);
        }
    }

    static final class Access implements AccessStore {
        private final Map<String, AccessPolicy> policies = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<AccessPolicy> load(String owner) {
            return CompletableFuture.completedFuture(policies.getOrDefault(owner, AccessPolicy.DEFAULT));
        }

        @Override
        public CompletionStage<Void> set(String owner, String key, AccessLevel level, WriteStamp stamp) {
            policies.merge(owner, AccessPolicy.DEFAULT.with(key, level), (old, ignored) -> old.with(key, level));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> remove(String owner, String key, WriteStamp stamp) {
            policies.computeIfPresent(owner, (o, p) -> p.with(key, null));
            return CompletableFuture.completedFuture(null);
        }
    }
}
