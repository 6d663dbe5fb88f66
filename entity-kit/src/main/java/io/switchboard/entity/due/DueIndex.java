package io.switchboard.entity.due;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The due-time index (docs/architecture.md, "After a node loss", decision (a)): for every entity
 * with a deadline that must fire even if no message for it ever arrives again (a parked call's
 * timeout, a conference's expiry), one row saying when. The entity writes the row together with
 * the state that has the deadline; {@link DueSweeper} wakes the entities whose rows are due, so an
 * entity whose node died is started on a survivor and fires what is due.
 *
 * <p>Rows are hints, never state: waking an entity whose deadline moved or already fired is a
 * no-op (it loads, finds nothing due, and its own timer takes over). So a row is never updated;
 * a moved deadline simply gets a new row, and the sweeper removes each row once it woke it.
 */
public interface DueIndex {

    /** One row: entity {@code key} of entity type {@code type} has a deadline at {@code at}. */
    record Due(String type, String key, Instant at) {}

    /** Adds a row (idempotent). */
    CompletionStage<Void> add(Due due);

    /** The rows of {@code type} due after {@code from} (exclusive) and up to {@code to} (inclusive), oldest first. */
    CompletionStage<List<Due>> due(String type, Instant from, Instant to);

    /** Removes a row (idempotent). */
    CompletionStage<Void> remove(Due due);
}
