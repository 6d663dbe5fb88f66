package io.switchboard.presence.store;

import java.util.concurrent.CompletionStage;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;

/** TEMPORARY: replaced by the contacts helper's version at merge. */
public interface AccessStore {
    CompletionStage<AccessPolicy> load(String owner);

    CompletionStage<Void> set(String owner, String key, AccessLevel level);

    CompletionStage<Void> remove(String owner, String key);
}
