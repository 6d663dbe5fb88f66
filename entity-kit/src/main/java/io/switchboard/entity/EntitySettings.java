package io.switchboard.entity;

import io.switchboard.entity.due.DueIndex;
import io.switchboard.entity.fence.OwnerEpochs;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * What the shared lifecycle of a {@link WriteThroughEntity} needs, one instance per entity type
 * and node.
 *
 * @param clock            the time given to the entity's domain rules and deadlines
 * @param passivateAfter   how long an entity that holds nothing must be quiet before it asks its
 *                         shard to stop it (its state is in the store; the next message loads it)
 * @param maxHeld          how many commands may wait while a load or write is in flight; beyond
 *                         it a command that can be answered is refused at once (back-pressure
 *                         instead of unbounded memory)
 * @param storeUnavailable the reason given to waiting commands when the store cannot be read or
 *                         written, e.g. "Bindings store unavailable"
 * @param type             the entity type's name (its {@code EntityTypeKey} name), for the due-time
 *                         index and the owner epochs
 * @param dueIndex         where deadlines that must fire after a node loss are recorded
 *                         ({@link WriteThroughEntity#wakingAt}); null when the type has none
 * @param owners           where an entity claims its owner epoch when it starts, so its writes are
 *                         fenced ({@link WriteThroughEntity#stamp}); null: writes are not fenced
 * @param writeTimeout     how long a store write may take before the entity gives up on it and
 *                         answers Unavailable (null: as long as the store takes); keep it below the
 *                         time an asker leaves after a command's deadline ({@link AskBudget}), so
 *                         the answer reaches the asker before it stops waiting
 */
public record EntitySettings(
        Clock clock,
        Duration passivateAfter,
        int maxHeld,
        String storeUnavailable,
        String type,
        DueIndex dueIndex,
        OwnerEpochs owners,
        Duration writeTimeout) {

    /** Settings of an entity type that records no deadline and does not fence its writes. */
    public EntitySettings(Clock clock, Duration passivateAfter, int maxHeld, String storeUnavailable) {
        this(clock, passivateAfter, maxHeld, storeUnavailable, null, null, null, null);
    }

    /** The same settings, with deadlines recorded in {@code index} under {@code type}. */
    public EntitySettings withDueIndex(String type, DueIndex index) {
        return new EntitySettings(clock, passivateAfter, maxHeld, storeUnavailable, type, index, owners, writeTimeout);
    }

    /**
     * The same settings, with each entity claiming an owner epoch from {@code epochs} under
     * {@code type} when it starts (none when {@code epochs} is null).
     */
    public EntitySettings withOwnerEpochs(String type, OwnerEpochs epochs) {
        return new EntitySettings(
                clock, passivateAfter, maxHeld, storeUnavailable, type, dueIndex, epochs, writeTimeout);
    }

    /** The same settings, with each store write bounded by {@code timeout} (null: unbounded). */
    public EntitySettings withWriteTimeout(Duration timeout) {
        return new EntitySettings(clock, passivateAfter, maxHeld, storeUnavailable, type, dueIndex, owners, timeout);
    }

    public EntitySettings {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(storeUnavailable, "storeUnavailable");
        if (passivateAfter == null || passivateAfter.isNegative() || passivateAfter.isZero()) {
            throw new IllegalArgumentException("passivateAfter must be positive, was " + passivateAfter);
        }
        if ((dueIndex != null || owners != null) && (type == null || type.isEmpty())) {
            throw new IllegalArgumentException("an entity type with a due index or owner epochs needs its type name");
        }
        if (writeTimeout != null && (writeTimeout.isNegative() || writeTimeout.isZero())) {
            throw new IllegalArgumentException("writeTimeout must be positive, was " + writeTimeout);
        }
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld must be at least 1, was " + maxHeld);
        }
    }
}
