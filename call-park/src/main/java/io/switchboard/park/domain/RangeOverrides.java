package io.switchboard.park.domain;

import java.time.Duration;
import java.util.Optional;

/** A range's own {@link ParkSettings}: what is empty follows the pool's defaults. */
public record RangeOverrides(
        Optional<Duration> pickupTimeout, Optional<Integer> maxPickupAttempts, Optional<String> onTimeoutUri) {

    public static final RangeOverrides NONE = new RangeOverrides(Optional.empty(), Optional.empty(), Optional.empty());
}
