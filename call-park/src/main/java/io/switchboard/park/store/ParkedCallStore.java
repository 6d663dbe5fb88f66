package io.switchboard.park.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.park.domain.CallerHold;
import io.switchboard.park.domain.ParkedCall;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Where parked calls live, by park id; asynchronous, a failed stage means infrastructure trouble. */
public interface ParkedCallStore {

    /** The call parked under {@code parkId}, or empty. */
    CompletionStage<Optional<ParkedCall>> load(String parkId);

    /**
     * Creates or replaces the call's row with the entity's write timestamp {@code stamp}, so a
     * replaced owner's late write loses to its successor's (entity-kit's fencing); completes once
     * durably written.
     */
    CompletionStage<Void> save(String parkId, ParkedCall call, WriteStamp stamp);

    /**
     * Every parked call of the pool by park id, for operators (a full read of a small table: one
     * row per call waiting in an orbit; at most {@link #LIST_LIMIT}).
     */
    CompletionStage<java.util.Map<String, ParkedCall>> all();

    int LIST_LIMIT = 10_000;

    /** Removes the call's row and its hold, fenced like {@link #save} (nothing happens when there is none). */
    CompletionStage<Void> delete(String parkId, WriteStamp stamp);

    /** The caller's leg as its holding node stored it, or empty (none stored, or no call). */
    CompletionStage<Optional<CallerHold>> hold(String parkId);

    /**
     * Stores the caller's leg of the call {@code parkId} (replacing the one before), fenced like
     * {@link #save}; written only while the call is stored (by its entity).
     */
    CompletionStage<Void> saveHold(String parkId, CallerHold hold, WriteStamp stamp);

    /**
     * The holder of every parked call that has one, by park id (a full read of the small table, at
     * most {@link #LIST_LIMIT}): what a node looks through for calls held by a node that is gone.
     */
    CompletionStage<java.util.Map<String, String>> holders();
}
