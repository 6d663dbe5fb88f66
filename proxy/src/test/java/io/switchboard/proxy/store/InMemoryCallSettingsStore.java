package io.switchboard.proxy.store;

import io.switchboard.proxy.domain.CallSettings;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A map, for pure unit tests of what sits in front of a store; counts reads. */
final class InMemoryCallSettingsStore implements CallSettingsStore {

    final ConcurrentHashMap<String, CallSettings> rows = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public CompletionStage<Optional<CallSettings>> find(String aor) {
        reads.incrementAndGet();
        return CompletableFuture.completedFuture(Optional.ofNullable(rows.get(CallSettings.canonicalAor(aor))));
    }

    @Override
    public CompletionStage<Void> put(CallSettings settings) {
        rows.put(settings.aor(), settings);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> delete(String aor) {
        rows.remove(CallSettings.canonicalAor(aor));
        return CompletableFuture.completedFuture(null);
    }
}
