package io.switchboard.presence.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.switchboard.presence.domain.Subscription;

/**
 * Test fake of {@link SubscriptionStore}; writes go through a {@link WriteGate}. Each write that
 * completes is reported to {@code onPut} / {@code onRemove}, so a test can order it against the
 * NOTIFYs sent.
 */
public final class InMemorySubscriptionStore implements SubscriptionStore {

    public final WriteGate gate = new WriteGate();
    private final Map<String, Map<String, Subscription>> rows = new ConcurrentHashMap<>();
    private volatile Consumer<Subscription> onPut = s -> { };

    public void onPut(Consumer<Subscription> listener) {
        this.onPut = listener;
    }

    public List<Subscription> stored(String watcher) {
        return new ArrayList<>(rows.getOrDefault(watcher, Map.of()).values());
    }

    public Subscription stored(String watcher, String localTag) {
        return rows.getOrDefault(watcher, Map.of()).get(localTag);
    }

    public void preload(Subscription s) {
        rows.computeIfAbsent(s.watcher(), k -> new ConcurrentHashMap<>()).put(s.localTag(), s);
    }

    @Override
    public CompletionStage<List<Subscription>> loadSubscriptions(String watcher) {
        return CompletableFuture.completedFuture(stored(watcher));
    }

    @Override
    public CompletionStage<Void> put(Subscription subscription, Instant now) {
        return gate.write(() -> {
            preload(subscription);
            onPut.accept(subscription);
        });
    }

    @Override
    public CompletionStage<Void> remove(String watcher, String localTag) {
        return gate.write(() -> rows.getOrDefault(watcher, new ConcurrentHashMap<>()).remove(localTag));
    }
}
