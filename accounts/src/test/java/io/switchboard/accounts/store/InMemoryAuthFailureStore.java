package io.switchboard.accounts.store;

import io.switchboard.sip.auth.PoolFailureCounts;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** The pool-wide failure counts in a map: one instance is the store, {@link #node} a node's handle. */
final class InMemoryAuthFailureStore {
    private final Map<String, Map<String, Integer>> partitions = new ConcurrentHashMap<>();

    PoolFailureCounts node(String nodeId) {
        return (account, bucket, failures) -> {
            Map<String, Integer> rows =
                    partitions.computeIfAbsent(account + "/" + bucket, k -> new ConcurrentHashMap<>());
            rows.merge(nodeId, failures, Math::max); // a node's count only grows
            int others = rows.entrySet().stream()
                    .filter(row -> !row.getKey().equals(nodeId))
                    .mapToInt(Map.Entry::getValue)
                    .sum();
            CompletionStage<Integer> answer = CompletableFuture.completedFuture(others);
            return answer;
        };
    }

    void clear() {
        partitions.clear();
    }
}
