package io.switchboard.conference.store;

import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.Roster;
import io.switchboard.entity.fence.WriteStamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test fake of {@link ConferenceStore}. Writes can be held back ({@link #holdWrites}) so a test sees
 * that nobody is answered before the store acknowledged, or failed ({@link #failWrites}); it
 * counts roster writes.
 */
public final class InMemoryConferenceStore implements ConferenceStore {

    private final Map<String, Stored> rows = new ConcurrentHashMap<>();
    private final Map<String, String> numbers = new ConcurrentHashMap<>();
    private final List<Runnable> held = new ArrayList<>();
    private final AtomicInteger rosterWrites = new AtomicInteger();
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

    public Optional<Stored> stored(String conferenceId) {
        return Optional.ofNullable(rows.get(conferenceId));
    }

    public void preload(Conference conference, Roster roster) {
        rows.put(conference.id(), new Stored(conference, roster));
        numbers.put(conference.numericId(), conference.id());
    }

    /** How many roster writes were applied. */
    public int rosterWrites() {
        return rosterWrites.get();
    }

    @Override
    public CompletionStage<java.util.List<String>> ids() {
        return CompletableFuture.completedFuture(java.util.List.copyOf(rows.keySet()));
    }

    @Override
    public CompletionStage<Optional<Stored>> load(String conferenceId) {
        return CompletableFuture.completedFuture(stored(conferenceId));
    }

    @Override
    public CompletionStage<Void> create(Conference conference, Roster roster, WriteStamp stamp) {
        return apply(() -> rows.put(conference.id(), new Stored(conference, roster)));
    }

    @Override
    public CompletionStage<Void> saveRoster(
            Conference conference, Roster before, Roster after, WriteStamp stamp, boolean firstOfOwner) {
        return apply(() -> {
            rosterWrites.incrementAndGet();
            rows.computeIfPresent(conference.id(), (id, s) -> new Stored(s.conference(), after));
        });
    }

    @Override
    public CompletionStage<Void> delete(String conferenceId, WriteStamp stamp) {
        return apply(() -> rows.remove(conferenceId));
    }

    @Override
    public CompletionStage<Boolean> claimNumber(String numericId, String conferenceId) {
        return CompletableFuture.completedFuture(
                numbers.putIfAbsent(numericId, conferenceId) == null || conferenceId.equals(numbers.get(numericId)));
    }

    @Override
    public CompletionStage<Optional<String>> numberOwner(String numericId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(numbers.get(numericId)));
    }

    @Override
    public CompletionStage<Boolean> releaseNumber(String numericId, String conferenceId) {
        return CompletableFuture.completedFuture(numbers.remove(numericId, conferenceId));
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
