package io.switchboard.park.store;

import io.switchboard.park.domain.ParkedCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test fake of {@link ParkedCallStore}. Saves can be held back ({@link #holdWrites}) so a test sees
 * that nobody is answered before the store acknowledged, or failed ({@link #failWrites}).
 */
public final class InMemoryParkedCallStore implements ParkedCallStore {

    private final Map<String, ParkedCall> rows = new ConcurrentHashMap<>();
    private final Map<String, io.switchboard.park.domain.CallerHold> holds = new ConcurrentHashMap<>();
    private final List<Runnable> held = new ArrayList<>();
    private volatile boolean hold;
    private volatile RuntimeException failWith;

    public void holdWrites(boolean hold) {
        this.hold = hold;
    }

    public void failWrites(RuntimeException failure) {
        this.failWith = failure;
    }

    /** Completes the held writes; how many there were. */
    public int release() {
        List<Runnable> now;
        synchronized (held) {
            now = new ArrayList<>(held);
            held.clear();
        }
        now.forEach(Runnable::run);
        return now.size();
    }

    public void preload(String parkId, ParkedCall call) {
        rows.put(parkId, call);
    }

    public Optional<ParkedCall> stored(String parkId) {
        return Optional.ofNullable(rows.get(parkId));
    }

    @Override
    public CompletionStage<Optional<ParkedCall>> load(String parkId) {
        return CompletableFuture.completedFuture(stored(parkId));
    }

    @Override
    public CompletionStage<Void> save(String parkId, ParkedCall call, io.switchboard.entity.fence.WriteStamp stamp) {
        return apply(() -> rows.put(parkId, call));
    }

    @Override
    public CompletionStage<java.util.Map<String, ParkedCall>> all() {
        return CompletableFuture.completedFuture(new java.util.TreeMap<>(rows));
    }

    @Override
    public CompletionStage<Void> delete(String parkId, io.switchboard.entity.fence.WriteStamp stamp) {
        return apply(() -> {
            rows.remove(parkId);
            holds.remove(parkId);
        });
    }

    @Override
    public CompletionStage<Optional<io.switchboard.park.domain.CallerHold>> hold(String parkId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(holds.get(parkId)));
    }

    @Override
    public CompletionStage<Void> saveHold(
            String parkId, io.switchboard.park.domain.CallerHold hold, io.switchboard.entity.fence.WriteStamp stamp) {
        return apply(() -> holds.put(parkId, hold));
    }

    @Override
    public CompletionStage<java.util.Map<String, String>> holders() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        holds.forEach((id, h) -> out.put(id, h.holder()));
        return CompletableFuture.completedFuture(out);
    }

    private CompletionStage<Void> apply(Runnable change) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable write = () -> {
            if (failWith != null) {
                done.completeExceptionally(failWith);
                return;
            }
            change.run();
            done.complete(null);
        };
        if (hold) {
            synchronized (held) {
                held.add(write);
            }
        } else {
            write.run();
        }
        return done;
    }
}
