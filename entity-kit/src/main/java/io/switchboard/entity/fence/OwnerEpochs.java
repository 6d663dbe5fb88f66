package io.switchboard.entity.fence;

import java.util.concurrent.CompletionStage;

/**
 * Hands out owner epochs: each {@link #claim} of an entity returns a number higher than every
 * earlier claim of the same entity, pool-wide (docs/architecture.md, "After a node loss",
 * decision (c)). An entity claims once when it starts; its writes are stamped from the epoch
 * ({@link WriteStamp}), so a successor's writes always win over those of an owner that has not
 * noticed it was replaced.
 */
public interface OwnerEpochs {

    /** Raises the entity's epoch and returns the new value (at least 1); fails if it cannot. */
    CompletionStage<Long> claim(String type, String key);
}
