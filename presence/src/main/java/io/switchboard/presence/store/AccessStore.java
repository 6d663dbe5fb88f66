package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import java.util.concurrent.CompletionStage;

/**
 * Users' access levels for their watchers. A key is a lower-cased watcher AOR or a watcher domain
 * ({@link AccessPolicy#isDomainKey}), canonical as {@link io.switchboard.presence.domain.AccessRules}
 * makes it; the store checks nothing. Every stage completes when the write is durable. Writes carry
 * the owner's entity's write timestamp ({@link WriteStamp}, docs/architecture.md decision (c)).
 */
public interface AccessStore {

    /** The policy of {@code owner}: their explicit entries; {@link AccessPolicy#DEFAULT} when none. */
    CompletionStage<AccessPolicy> load(String owner);

    /** Sets the level {@code owner} grants the watcher or domain {@code key}, replacing any earlier one. */
    CompletionStage<Void> set(String owner, String key, AccessLevel level, WriteStamp stamp);

    /** Removes the entry {@code key} (the watcher then gets the default); normal also when there was none. */
    CompletionStage<Void> remove(String owner, String key, WriteStamp stamp);
}
