package io.switchboard.entity;

import java.util.concurrent.CompletionStage;

/**
 * Lets an entity type skip a start that would change nothing. Some commands only matter to an
 * entity that has stored state of one kind: a change of a user's registered endpoints matters to
 * her presentity only if someone watches it. Without a gate such a command starts the entity like
 * any other (an owner-epoch claim, a full load) just to find nothing to do, and a user's first
 * REGISTER paid for that (issue 17, item 4: the fresh node's first 10,000 users).
 *
 * <p>With a gate, an entity whose first command is {@link #droppable} first asks {@link #needed}
 * (typically one small read) and, if not, stays dormant, loading and claiming nothing, for
 * {@link #linger()}, then asks its shard to passivate it. Commands that arrive meanwhile wait; any
 * that is not droppable starts the entity as usual (once the answer is in, if it was still
 * looking). A failed look starts it too (its load then says what is wrong).
 */
public interface StartGate<C extends EntityCommand> {

    /**
     * Whether {@code command} may be dropped, unhandled, by an entity that {@link #needed} says
     * need not start. Only commands that expect no answer and whose effect the next start
     * recomputes from the store (or from whoever owns the truth) may be.
     */
    boolean droppable(C command);

    /** Whether the entity {@code key} holds anything a droppable command would act on. */
    CompletionStage<Boolean> needed(String key);

    /**
     * How long an entity found not needed stays dormant before it asks to be passivated. A command
     * that reaches it after that request is handled by an entity that the shard then stops (and
     * which refuses it, "try again"); a client's next request usually follows the one that caused
     * the look within milliseconds (a phone's REGISTER, then its PUBLISH and SUBSCRIBEs), so the
     * dormant actor, a few dozen bytes, waits rather than going at once.
     */
    default java.time.Duration linger() {
        return java.time.Duration.ofSeconds(30);
    }
}
