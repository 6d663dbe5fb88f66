package io.switchboard.park.store;

import io.switchboard.park.domain.Orbit;
import io.switchboard.park.domain.OrbitRange;
import java.util.concurrent.CompletionStage;

/**
 * Pool-wide orbit allocation: an orbit is held by at most one parked call anywhere in the pool,
 * and freed once. Asynchronous; a failed stage means infrastructure trouble.
 */
public interface OrbitClaims {

    /** What a claim got. */
    sealed interface Claim {
        /** {@code orbit} is now held by the park id that asked. */
        record Claimed(Orbit orbit) implements Claim {}

        /** Every orbit of the range is held: nothing was claimed. */
        record Full(String range) implements Claim {}
    }

    /** Claims a random free orbit of {@code range} for {@code parkId}, or answers {@link Claim.Full}. */
    CompletionStage<Claim> claim(OrbitRange range, String parkId);

    /**
     * Frees {@code orbit} of the range named {@code rangeName} if {@code parkId} holds it; true
     * when this call freed it (a second release of the same park, or one by another park id, is false).
     */
    CompletionStage<Boolean> release(String rangeName, Orbit orbit, String parkId);

    /**
     * The park id holding {@code orbit} of the range named {@code rangeName}, or empty when it is
     * free: how a retrieve dialing the orbit finds the parked call's entity.
     */
    CompletionStage<java.util.Optional<String>> holder(String rangeName, Orbit orbit);

    /** How many claims this node refused because their range was full (for metrics). */
    long refusedFull();
}
