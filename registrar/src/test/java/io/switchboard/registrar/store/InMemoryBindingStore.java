package io.switchboard.registrar.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Test fake of {@link BindingStore}. Writes can be held back ({@link #holdWrites}) so a test can
 * observe that nobody is answered before the store acknowledges, and then completed or failed.
 */
public final class InMemoryBindingStore implements BindingStore {

    private final Map<String, Map<BindingKey, Binding>> rows = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    private volatile boolean hold;
    private volatile RuntimeException failWith;
    private volatile CompletableFuture<List<Binding>> nextLoad;

    public void holdWrites(boolean hold) {
        this.hold = hold;
    }

    public void failWrites(RuntimeException failure) {
        this.failWith = failure;
    }

    /** Completes the writes held so far; returns how many. */
    public int release() {
        // Only the writes held now: completing one lets the entity issue its next write, which a
        // test wants to observe as held before it releases that one too.
        int n = held.size();
        for (int i = 0; i < n; i++) {
            held.poll().run();
        }
        return n;
    }

    public int heldWrites() {
        return held.size();
    }

    public List<Binding> stored(String aor) {
        return new ArrayList<>(rows.getOrDefault(aor, Map.of()).values());
    }

    public void preload(String aor, List<Binding> bindings) {
        Map<BindingKey, Binding> m = rows.computeIfAbsent(aor, k -> new ConcurrentHashMap<>());
        bindings.forEach(b -> m.put(b.key(), b));
    }

    /** The next load returns this future, which the test completes (or fails) when it wants. */
    public CompletableFuture<List<Binding>> holdNextLoad() {
        CompletableFuture<List<Binding>> f = new CompletableFuture<>();
        nextLoad = f;
        return f;
    }

    @Override
    public CompletionStage<List<Binding>> load(String aor) {
        CompletableFuture<List<Binding>> held = nextLoad;
        if (held != null) {
            nextLoad = null;
            return held;
        }
        return CompletableFuture.completedFuture(stored(aor));
    }

    @Override
    public CompletionStage<Void> write(
            String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable apply = () -> {
            if (failWith != null) {
                done.completeExceptionally(failWith);
                return;
            }
            Map<BindingKey, Binding> m = rows.computeIfAbsent(aor, k -> new ConcurrentHashMap<>());
            upserts.forEach(b -> m.put(b.key(), b));
            removals.forEach(m::remove);
            done.complete(null);
        };
        if (hold) {
            held.add(apply);
        } else {
            apply.run();
        }
        return done;
    }
}
