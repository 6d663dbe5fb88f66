package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What a presentity's entity keeps in Cassandra: its publications and who watches it. Only that
 * entity writes these rows (docs/architecture.md, rule 1), each write with the entity's write
 * timestamp ({@link WriteStamp}: a replaced owner's late writes lose, decision (c)).
 */
public interface PresentityStore {

    /** A publication as stored: the body is interpreted again when loaded. */
    record StoredPublication(String etag, String endpoint, String body, Instant publishedAt, Instant expiresAt) {}

    record Loaded(List<StoredPublication> publications, Map<String, Instant> watchers) {}

    CompletionStage<Loaded> loadPresentity(String presentity);

    /**
     * What a starting entity loads: {@link #loadPresentity(String)}, with every expiry as an instant
     * of {@code clock}, the loading node's, counted from the lifetime the store has left for the row
     * (its TTL) rather than the instant another node wrote: a new owner never decides by comparing
     * its clock with the previous owner's (docs/architecture.md, rule 10). The default returns the
     * stored instants, right for stores that live on one clock (the test fakes).
     */
    default CompletionStage<Loaded> loadPresentity(String presentity, java.time.Clock clock) {
        return loadPresentity(presentity);
    }

    /**
     * Whether anyone watches {@code presentity} (a live watcher row): a change of the user's
     * registered endpoints matters to nobody else, so an unwatched presentity need not start for
     * one (PresentityEntity's start gate). The default loads everything; stores override it with a
     * cheaper read.
     */
    default CompletionStage<Boolean> watched(String presentity) {
        return loadPresentity(presentity).thenApply(loaded -> !loaded.watchers().isEmpty());
    }

    /**
     * Writes {@code publication} and deletes the publications {@code replacedEtags} names (the one a
     * refresh or modification replaces, those of the same endpoint an initial one supersedes) in
     * one partition batch.
     */
    CompletionStage<Void> putPublication(
            String presentity,
            StoredPublication publication,
            java.util.List<String> replacedEtags,
            Instant now,
            WriteStamp stamp);

    CompletionStage<Void> removePublication(String presentity, String etag, WriteStamp stamp);

    CompletionStage<Void> putWatcher(
            String presentity, String watcher, Instant expiresAt, Instant now, WriteStamp stamp);

    CompletionStage<Void> removeWatcher(String presentity, String watcher, WriteStamp stamp);
}
