package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Subscription;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Test fake of {@link SubscriptionStore}; writes go through a {@link WriteGate}. Each write that
 * completes is reported to {@code onPut} / {@code onRemove}, so a test can order it against the
 * NOTIFYs sent. Rows expire like Cassandra's ({@link Ttl}) for {@link #loadSubscriptions}, what a
 * new owner reads; {@link #stored} shows what the entity wrote and has not deleted, expired or not.
 */
public final class InMemorySubscriptionStore implements SubscriptionStore {

    private record Row(Subscription subscription, long goneAt) {}

    public final WriteGate gate = new WriteGate();
    private final Map<String, Map<String, Row>> rows = new ConcurrentHashMap<>();
    private volatile Consumer<Subscription> onPut = s -> {};

    public void onPut(Consumer<Subscription> listener) {
        this.onPut = listener;
    }

    public List<Subscription> stored(String watcher) {
        return rows.getOrDefault(watcher, Map.of()).values().stream()
                .map(Row::subscription)
                .toList();
    }

    public Subscription stored(String watcher, String localTag) {
        Row row = rows.getOrDefault(watcher, Map.of()).get(localTag);
        return row == null ? null : row.subscription();
    }

    /** Stores {@code s} as if written now, without the gate. */
    public void preload(Subscription s) {
        write(s, Instant.now());
    }

    private void write(Subscription s, Instant now) {
        rows.computeIfAbsent(s.watcher(), k -> new ConcurrentHashMap<>())
                .put(s.localTag(), new Row(s, Ttl.goneAt(s.expiresAt(), now)));
    }

    @Override
    public CompletionStage<List<Subscription>> loadSubscriptions(String watcher) {
        return CompletableFuture.completedFuture(rows.getOrDefault(watcher, Map.of()).values().stream()
                .filter(row -> Ttl.live(row.goneAt()))
                .map(Row::subscription)
                .toList());
    }

    @Override
    public CompletionStage<Void> put(Subscription subscription, Instant now, WriteStamp stamp) {
        return gate.write(() -> {
            write(subscription, now);
            onPut.accept(subscription);
        });
    }

    @Override
    public CompletionStage<Void> remove(String watcher, String localTag, WriteStamp stamp) {
        return gate.write(
                () -> rows.getOrDefault(watcher, new ConcurrentHashMap<>()).remove(localTag));
    }
}
