package io.switchboard.park.store;

import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitRange;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/** Test fake of {@link OrbitClaims}: the lowest free orbit, held in memory. */
public final class InMemoryOrbitClaims implements OrbitClaims {

    /** "range orbit" to park id. */
    private final Map<String, String> holders = new HashMap<>();

    private final LongAdder refused = new LongAdder();

    @Override
    public synchronized CompletionStage<Claim> claim(OrbitRange range, String parkId) {
        for (int i = 0; i < range.size(); i++) {
            Orbit o = range.orbitAt(i);
            if (holders.putIfAbsent(range.name() + " " + o, parkId) == null) {
                return CompletableFuture.completedFuture(new Claim.Claimed(o));
            }
        }
        refused.increment();
        return CompletableFuture.completedFuture(new Claim.Full(range.name()));
    }

    @Override
    public synchronized CompletionStage<Boolean> release(String rangeName, Orbit orbit, String parkId) {
        return CompletableFuture.completedFuture(holders.remove(rangeName + " " + orbit, parkId));
    }

    @Override
    public long refusedFull() {
        return refused.sum();
    }

    @Override
    public synchronized CompletionStage<Optional<String>> holder(String rangeName, Orbit orbit) {
        return CompletableFuture.completedFuture(Optional.ofNullable(holders.get(rangeName + " " + orbit)));
    }

    public synchronized int held() {
        return holders.size();
    }
}
