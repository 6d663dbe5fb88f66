package io.switchboard.registrar.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.registrar.domain.Binding;
import io.switchboard.registrar.domain.BindingKey;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Durable bindings. Only the registrar entity of an AOR calls {@link #write} for it
 * (docs/architecture.md, rule 1: single writer), and it answers the client only once the returned
 * stage completes (rule 2: durable before success).
 */
public interface BindingStore {

    /** Every stored binding of the AOR; expired ones may still be returned and are filtered by the caller. */
    CompletionStage<List<Binding>> load(String aor);

    /**
     * {@link #load(String)} with each binding's expiry an instant of {@code clock}, the reading
     * node's, counted from the lifetime the store has left for the row (its TTL), never the instant
     * another node wrote: a node that takes over an AOR, or reads its bindings for a lookup, does not
     * decide by comparing its clock with the writer's (docs/architecture.md, rule 10). The default
     * returns the stored instants, right for stores on one clock (the test fakes).
     */
    default CompletionStage<List<Binding>> load(String aor, java.time.Clock clock) {
        return load(aor);
    }

    /**
     * Writes the upserts (each with a TTL that ends at its {@code expiresAt}, counted from {@code now})
     * and deletes the removals, atomically for the AOR, with the entity's write timestamp {@code stamp}
     * (a fenced owner's, so a replaced owner's late writes lose: docs/architecture.md, decision (c)).
     */
    CompletionStage<Void> write(
            String aor, List<Binding> upserts, List<BindingKey> removals, Instant now, WriteStamp stamp);
}
