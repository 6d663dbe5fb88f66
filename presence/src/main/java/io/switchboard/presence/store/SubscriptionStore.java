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

    CompletionStage<Void> put(Subscription subscription, Instant now, WriteStamp stamp);

    CompletionStage<Void> remove(String watcher, String localTag, WriteStamp stamp);
}
