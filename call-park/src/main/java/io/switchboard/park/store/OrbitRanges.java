package io.switchboard.park.store;

import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitDecision;
import io.switchboard.park.domain.OrbitRange;
import io.switchboard.park.domain.OrbitRules;
import io.switchboard.park.domain.UserNumber;
import io.switchboard.storage.cache.ReadThroughCache;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The pool's orbit ranges as the admin API and the park service use them: adds are checked by
 * {@link OrbitRules} against what is stored and applied only if nobody added a range in between
 * (else checked again, a few times); lookups for calls read through a short node-local cache, so a
 * range added or removed on any node is seen everywhere within {@code cacheTtl}.
 */
public final class OrbitRanges {

    /** How often an add is checked again after losing a race with another add. */
    static final int ADD_ATTEMPTS = 5;

    private static final String ALL = "all";

    private final OrbitRangeStore store;
    private final ReadThroughCache<String, List<OrbitRange>> cache;

    public OrbitRanges(OrbitRangeStore store, Duration cacheTtl, Clock clock) {
        this.store = store;
        this.cache = new ReadThroughCache<>(
                1, ranges -> cacheTtl, key -> store.load().thenApply(OrbitRangeStore.Snapshot::ranges), clock);
    }

    /** Thrown (as the failure of a stage) when adds kept losing races with other adds. */
    public static final class Contended extends RuntimeException {
        Contended(String message) {
            super(message);
        }
    }

    /**
     * Adds the range {@code request} names, unless it breaks a rule: a rule of its own, or a
     * conflict with a stored range or one of {@code userNumbers}. The decision says which; a
     * rejected range stores nothing.
     */
    public CompletionStage<OrbitDecision> add(OrbitRules.Request request, Collection<UserNumber> userNumbers) {
        OrbitDecision own = OrbitRules.validate(request);
        if (own instanceof OrbitDecision.Rejected) {
            return CompletableFuture.completedFuture(own);
        }
        return attempt(request, userNumbers, 1);
    }

    private CompletionStage<OrbitDecision> attempt(
            OrbitRules.Request request, Collection<UserNumber> userNumbers, int attempt) {
        return store.load().thenCompose(seen -> {
            OrbitDecision d = OrbitRules.validate(request, seen.ranges(), userNumbers);
            if (!(d instanceof OrbitDecision.Accepted accepted)) {
                return CompletableFuture.completedFuture(d);
            }
            return store.add(accepted.range(), seen).thenCompose(applied -> {
                if (applied) {
                    cache.invalidate(ALL);
                    return CompletableFuture.completedFuture(d);
                }
                if (attempt >= ADD_ATTEMPTS) {
                    return CompletableFuture.failedFuture(
                            new Contended("other orbit ranges were being added at the same time; try again"));
                }
                return attempt(request, userNumbers, attempt + 1);
            });
        });
    }

    /** Every range, read from the store now (for operators: what another node just added is there). */
    public CompletionStage<List<OrbitRange>> list() {
        return store.load().thenApply(OrbitRangeStore.Snapshot::ranges);
    }

    /** Removes the range named {@code name}; true if there was one. */
    public CompletionStage<Boolean> remove(String name) {
        return store.remove(name).whenComplete((removed, failure) -> cache.invalidate(ALL));
    }

    /** Every range, from the node's cache (at most the cache TTL old). */
    public CompletionStage<List<OrbitRange>> current() {
        return cache.get(ALL);
    }

    /** The range holding {@code orbit} as dialed, from the node's cache. */
    public CompletionStage<Optional<OrbitRange>> rangeOf(Orbit orbit) {
        return current().thenApply(ranges -> OrbitRules.rangeOf(orbit, ranges));
    }

    /** The range named {@code name}, from the node's cache. */
    public CompletionStage<Optional<OrbitRange>> named(String name) {
        return current()
                .thenApply(ranges ->
                        ranges.stream().filter(r -> r.name().equals(name)).findFirst());
    }
}
