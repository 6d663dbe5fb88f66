package io.switchboard.entity;

import java.time.Instant;

/**
 * A message a {@link WriteThroughEntity} accepts. Each entity's sealed {@code Command} interface
 * extends this one, so the shared lifecycle can treat every command alike without a type switch
 * per entity.
 */
public interface EntityCommand {

    /**
     * Tells the sender that the entity could not take this command and that nothing changed: the
     * entity's queue is full, its state could not be loaded, or it is being stopped to move to
     * another node. A command with a reply answers it (typically with an {@code Unavailable}
     * carrying {@code reason}, which the SIP edge turns into 503 + Retry-After) and returns true.
     *
     * <p>The default returns false: the command expects no answer (an acknowledgement, a
     * notification from another entity, a message the entity sent itself). Such a command is
     * never dropped to bound the queue, since nobody would learn that it was lost; it waits like
     * any other.
     */
    default boolean refuse(String reason) {
        return false;
    }

    /**
     * Whether this command waits while a store write is in flight. True (the default) for anything
     * that reads or changes stored state, so each command is decided on the state its predecessor
     * left (rule 2 of docs/architecture.md). A command that touches no stored row (an
     * acknowledgement, a change of transient state) may return false and is handled at once; if it
     * does start a write, that write queues behind the one in flight.
     */
    default boolean waitsForWrite() {
        return true;
    }

    /**
     * When the asker stops waiting for the answer (it then tells its client "failed"), or null for
     * no deadline. The entity refuses, without writing anything, a command it would start to handle
     * after this instant (while it waited for a load or an earlier write, or in a shard's buffer
     * while the entity moved), so that a client is never told "failed" for a write that happens
     * afterwards. Set it with {@link AskBudget#answerBy}, which leaves room for the write that
     * starts at the deadline to end, bounded by {@link EntitySettings#writeTimeout()}, before the
     * ask times out. Only the older messages carry it, kept for rolling upgrades; new ones carry
     * {@link #timeLeft()}.
     */
    default Instant answerBy() {
        return null;
    }

    /**
     * How much longer the asker waits for the answer, on this node's monotonic clock, or null for
     * no limit: the same refusal as {@link #answerBy()}, without comparing two nodes' clocks (an
     * instant of the asker's node against the entity's: docs/architecture.md, rule 10). Set it
     * with {@link AskBudget#timeLeft()}.
     */
    default TimeLeft timeLeft() {
        return null;
    }
}
