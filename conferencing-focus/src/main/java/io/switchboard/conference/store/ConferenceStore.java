package io.switchboard.conference.store;

import io.switchboard.conference.domain.Conference;
import io.switchboard.conference.domain.Roster;
import io.switchboard.entity.fence.WriteStamp;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where conferences live, one partition each; asynchronous, a failed stage means infrastructure
 * trouble. Writes take the conference entity's {@link WriteStamp}, so a replaced owner's late
 * write loses to its successor's (entity-kit's fencing).
 */
public interface ConferenceStore {

    /** A conference as stored: its definition and roster. */
    record Stored(Conference conference, Roster roster) {}

    CompletionStage<Optional<Stored>> load(String conferenceId);

    /** Writes a new conference's definition and roster; completes once durably written. */
    CompletionStage<Void> create(Conference conference, Roster roster, WriteStamp stamp);

    /**
     * Replaces the stored roster {@code before} with {@code after} in one single-partition batch:
     * the header, the legs added or changed, the legs removed.
     *
     * <p>{@code firstOfOwner}: the entity's first roster write since it loaded (its owner epoch's
     * first). Fenced timestamps alone cannot stop a replaced owner from adding a leg row its
     * successor never wrote (no newer cell covers it); so the first write of an owner also deletes
     * every leg row written before its epoch (a range deletion timestamped just below its stamp)
     * and writes the definition and all of {@code after}'s legs again (a replaced owner's late
     * delete of the conference must not take away the definition either). Later writes of that
     * owner write only changes.
     */
    CompletionStage<Void> saveRoster(
            Conference conference, Roster before, Roster after, WriteStamp stamp, boolean firstOfOwner);

    /**
     * The ids of every stored conference (an operator's listing: a scan of the partition keys, all
     * pages, never on a hot path); some may have expired without their rows deleted yet.
     */
    CompletionStage<java.util.List<String>> ids();

    /** Removes the conference (nothing happens when there is none). */
    CompletionStage<Void> delete(String conferenceId, WriteStamp stamp);

    /** Claims {@code numericId} for {@code conferenceId} pool-wide: true if it is now (or already was) its own. */
    CompletionStage<Boolean> claimNumber(String numericId, String conferenceId);

    /** The conference a dialed numeric id belongs to. */
    CompletionStage<Optional<String>> numberOwner(String numericId);

    /** Frees {@code numericId} if {@code conferenceId} holds it: true if it did. */
    CompletionStage<Boolean> releaseNumber(String numericId, String conferenceId);
}
