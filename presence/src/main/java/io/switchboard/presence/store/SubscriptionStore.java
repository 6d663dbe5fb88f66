package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.Subscription;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A watcher's subscription dialogs; only the watcher's entity writes them (docs/architecture.md,
 * rule 1), with its write timestamp ({@link WriteStamp}, decision (c)).
 */
public interface SubscriptionStore {

    CompletionStage<List<Subscription>> loadSubscriptions(String watcher);

    /**
     * What a starting watcher entity loads: {@link #loadSubscriptions(String)}, each dialog's expiry
     * an instant of {@code clock}, the loading node's, counted from the lifetime the store has left
     * for the row (its TTL), never the instant another node wrote (docs/architecture.md, rule 10).
     * The default returns the stored instants, right for stores on one clock (the test fakes).
     */
    default CompletionStage<List<Subscription>> loadSubscriptions(String watcher, java.time.Clock clock) {
        return loadSubscriptions(watcher);
    }

    CompletionStage<Void> put(Subscription subscription, Instant now, WriteStamp stamp);

    CompletionStage<Void> remove(String watcher, String localTag, WriteStamp stamp);
}
