package io.switchboard.park.store;

import io.switchboard.park.domain.OrbitRange;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Where the pool's orbit ranges live; asynchronous, a failed stage means infrastructure trouble. */
public interface OrbitRangeStore {

    /** The ranges by name, and the version an {@link #add} must name to be applied. */
    record Snapshot(List<OrbitRange> ranges, Optional<Long> version) {}

    /** Every range, read at the configured consistency. */
    CompletionStage<Snapshot> load();

    /**
     * Adds {@code range} if the ranges are still those of {@code seen} (nobody added one since);
     * true when applied. The caller checks the rules against {@code seen} first.
     */
    CompletionStage<Boolean> add(OrbitRange range, Snapshot seen);

    /** Removes the range named {@code name}; true if it existed. */
    CompletionStage<Boolean> remove(String name);
}
