package io.switchboard.presence.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import com.datastax.oss.driver.api.core.CqlSession;

import io.switchboard.presence.domain.AccessLevel;
import io.switchboard.presence.domain.AccessPolicy;

/** TEMPORARY: replaced by the contacts helper's version at merge. */
public final class CassandraAccessStore implements AccessStore {
    private final ConcurrentHashMap<String, AccessPolicy> m = new ConcurrentHashMap<>();

    public static CassandraAccessStore forSessionKeyspace(CqlSession s) {
        return new CassandraAccessStore();
    }

    public CompletionStage<AccessPolicy> load(String owner) {
        return CompletableFuture.completedFuture(m.getOrDefault(owner, AccessPolicy.DEFAULT));
    }

    public CompletionStage<Void> set(String owner, String key, AccessLevel level) {
        m.compute(owner, (k, v) -> (v == null ? AccessPolicy.DEFAULT : v).with(key, level));
        return CompletableFuture.completedFuture(null);
    }

    public CompletionStage<Void> remove(String owner, String key) {
        return set(owner, key, null);
    }
}
