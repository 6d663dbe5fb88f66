package io.switchboard.entity;

import io.switchboard.entity.due.DueIndex;
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
 * @param type             the entity type's name (its {@code EntityTypeKey} name), for the due-time index
 * @param dueIndex         where deadlines that must fire after a node loss are recorded
 *                         ({@link WriteThroughEntity#wakingAt}); null when the type has none
 */
public record EntitySettings(
        Clock clock, Duration passivateAfter, int maxHeld, String storeUnavailable, String type, DueIndex dueIndex) {

    /** Settings of an entity type that records no deadline in the due-time index. */
    public EntitySettings(Clock clock, Duration passivateAfter, int maxHeld, String storeUnavailable) {
        this(clock, passivateAfter, maxHeld, storeUnavailable, null, null);
    }

    /** The same settings, with deadlines recorded in {@code index} under {@code type}. */
    public EntitySettings withDueIndex(String type, DueIndex index) {
        return new EntitySettings(clock, passivateAfter, maxHeld, storeUnavailable, type, index);
    }

    public EntitySettings {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(storeUnavailable, "storeUnavailable");
        if (passivateAfter == null || passivateAfter.isNegative() || passivateAfter.isZero()) {
            throw new IllegalArgumentException("passivateAfter must be positive, was " + passivateAfter);
        }
        if (dueIndex != null && (type == null || type.isEmpty())) {
            throw new IllegalArgumentException("an entity type with a due index needs its type name");
        }
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld must be at least 1, was " + maxHeld);
        }
    }
}
