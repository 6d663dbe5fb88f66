package io.switchboard.presence.store;

import io.switchboard.entity.fence.WriteStamp;
import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Test fake of {@link AccessStore}; writes go through a {@link WriteGate}. */
public final class InMemoryAccessStore implements AccessStore {

    public final WriteGate gate = new WriteGate();
    private final Map<String, AccessPolicy> policies = new ConcurrentHashMap<>();

    public AccessPolicy stored(String owner) {
        return policies.getOrDefault(owner, AccessPolicy.DEFAULT);
    }

    @Override
    public CompletionStage<AccessPolicy> load(String owner) {
        return CompletableFuture.completedFuture(stored(owner));
    }

    @Override
    public CompletionStage<Void> set(String owner, String key, AccessLevel level, WriteStamp stamp) {
        return gate.write(() -> policies.put(owner, stored(owner).with(key, level)));
    }

    @Override
    public CompletionStage<Void> remove(String owner, String key, WriteStamp stamp) {
        return gate.write(() -> policies.put(owner, stored(owner).with(key, null)));
    }
}
