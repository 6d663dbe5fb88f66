package io.switchboard.presence.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Test fake of {@link PresentityStore}; writes go through a {@link WriteGate}. */
public final class InMemoryPresentityStore implements PresentityStore {

    public final WriteGate gate = new WriteGate();
    private final Map<String, Map<String, StoredPublication>> publications = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Instant>> watchers = new ConcurrentHashMap<>();

    public List<StoredPublication> publications(String presentity) {
        return new ArrayList<>(publications.getOrDefault(presentity, Map.of()).values());
    }

    public Map<String, Instant> watchers(String presentity) {
        return new HashMap<>(watchers.getOrDefault(presentity, Map.of()));
    }

    @Override
    public CompletionStage<Loaded> loadPresentity(String presentity) {
        return CompletableFuture.completedFuture(new Loaded(publications(presentity), watchers(presentity)));
    }

    @Override
    public CompletionStage<Void> putPublication(String presentity, StoredPublication publication, String replacedEtag,
                                                Instant now) {
        return gate.write(() -> {
            Map<String, StoredPublication> m = publications.computeIfAbsent(presentity, k -> new ConcurrentHashMap<>());
            m.put(publication.etag(), publication);
            if (replacedEtag != null) {
                m.remove(replacedEtag);
            }
        });
    }

    @Override
    public CompletionStage<Void> removePublication(String presentity, String etag) {
        return gate.write(() -> publications.getOrDefault(presentity, new HashMap<>()).remove(etag));
    }

    @Override
    public CompletionStage<Void> putWatcher(String presentity, String watcher, Instant expiresAt, Instant now) {
        return gate.write(() -> watchers.computeIfAbsent(presentity, k -> new ConcurrentHashMap<>()).put(watcher, expiresAt));
    }

    @Override
    public CompletionStage<Void> removeWatcher(String presentity, String watcher) {
        return gate.write(() -> watchers.getOrDefault(presentity, new HashMap<>()).remove(watcher));
    }
}
