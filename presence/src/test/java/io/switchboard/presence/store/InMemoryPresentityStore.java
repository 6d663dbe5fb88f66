package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test fake of {@link PresentityStore}; writes go through a {@link WriteGate}. Rows expire like Cassandra's
 * ({@link Ttl}) for {@link #loadPresentity}, what a new owner reads; {@link #publications} and
 * {@link #watchers} show what the entity wrote and has not deleted, expired or not, so a test can tell the
 * entity's own removal from the TTL's.
 */
public final class InMemoryPresentityStore implements PresentityStore {

    private record Row<T>(T value, long goneAt) {}

    public final WriteGate gate = new WriteGate();
    private final Map<String, Map<String, Row<StoredPublication>>> publications = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Row<Instant>>> watchers = new ConcurrentHashMap<>();

    public List<StoredPublication> publications(String presentity) {
        return publications.getOrDefault(presentity, Map.of()).values().stream()
                .map(Row::value)
                .toList();
    }

    public Map<String, Instant> watchers(String presentity) {
        Map<String, Instant> result = new HashMap<>();
        watchers.getOrDefault(presentity, Map.of()).forEach((watcher, row) -> result.put(watcher, row.value()));
        return result;
    }

    @Override
    public CompletionStage<Loaded> loadPresentity(String presentity) {
        List<StoredPublication> live = publications.getOrDefault(presentity, Map.of()).values().stream()
                .filter(row -> Ttl.live(row.goneAt()))
                .map(Row::value)
                .toList();
        Map<String, Instant> liveWatchers = new HashMap<>();
        watchers.getOrDefault(presentity, Map.of()).forEach((watcher, row) -> {
            if (Ttl.live(row.goneAt())) {
                liveWatchers.put(watcher, row.value());
            }
        });
        return CompletableFuture.completedFuture(new Loaded(live, liveWatchers));
    }

    @Override
    public CompletionStage<Void> putPublication(
            String presentity,
            StoredPublication publication,
            java.util.List<String> replacedEtags,
            Instant now,
            WriteStamp stamp) {
        return gate.write(() -> {
            Map<String, Row<StoredPublication>> m =
                    publications.computeIfAbsent(presentity, k -> new ConcurrentHashMap<>());
            m.put(publication.etag(), new Row<>(publication, Ttl.goneAt(publication.expiresAt(), now)));
            replacedEtags.forEach(m::remove);
        });
    }

    @Override
    public CompletionStage<Void> removePublication(String presentity, String etag, WriteStamp stamp) {
        return gate.write(
                () -> publications.getOrDefault(presentity, new HashMap<>()).remove(etag));
    }

    @Override
    public CompletionStage<Void> putWatcher(
            String presentity, String watcher, Instant expiresAt, Instant now, WriteStamp stamp) {
        return gate.write(() -> watchers.computeIfAbsent(presentity, k -> new ConcurrentHashMap<>())
                .put(watcher, new Row<>(expiresAt, Ttl.goneAt(expiresAt, now))));
    }

    @Override
    public CompletionStage<Void> removeWatcher(String presentity, String watcher, WriteStamp stamp) {
        return gate.write(
                () -> watchers.getOrDefault(presentity, new HashMap<>()).remove(watcher));
    }
}
