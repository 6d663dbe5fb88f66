package io.switchboard.park.domain;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What happens to a parked call nobody picks up: after {@code pickupTimeout} the parker is rung
 * back, up to {@code maxPickupAttempts} times; then the call goes to {@code onTimeoutUri}, or ends.
 * The pool's defaults come from {@code switchboard.park}; a range may override each.
 */
public record ParkSettings(Duration pickupTimeout, int maxPickupAttempts, Optional<String> onTimeoutUri) {

    public static final Duration MIN_PICKUP_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration MAX_PICKUP_TIMEOUT = Duration.ofMinutes(10);
    public static final int MIN_ATTEMPTS = 1;
    public static final int MAX_ATTEMPTS = 10;

    private static final Pattern URI = Pattern.compile("(sips?|tel):[^\\s<>\"]+");

    public static final ParkSettings DEFAULTS = new ParkSettings(Duration.ofSeconds(90), 1, Optional.empty());

    public ParkSettings {
        checkTimeout(pickupTimeout).ifPresent(e -> {
            throw new IllegalArgumentException(e);
        });
        checkAttempts(maxPickupAttempts).ifPresent(e -> {
            throw new IllegalArgumentException(e);
        });
        onTimeoutUri.flatMap(ParkSettings::checkUri).ifPresent(e -> {
            throw new IllegalArgumentException(e);
        });
    }

    /** Why {@code d} is not a pickup timeout, or empty when it is one (10 s to 10 min). */
    public static Optional<String> checkTimeout(Duration d) {
        if (d.compareTo(MIN_PICKUP_TIMEOUT) < 0 || d.compareTo(MAX_PICKUP_TIMEOUT) > 0) {
            return Optional.of("must be between 10s and 600s, was " + d.toMillis() / 1000.0 + "s");
        }
        return Optional.empty();
    }

    /** Why {@code n} is not a number of ring-back attempts, or empty when it is one (1 to 10). */
    public static Optional<String> checkAttempts(int n) {
        if (n < MIN_ATTEMPTS || n > MAX_ATTEMPTS) {
            return Optional.of("must be between " + MIN_ATTEMPTS + " and " + MAX_ATTEMPTS + ", was " + n);
        }
        return Optional.empty();
    }

    /** Why {@code uri} is not a fallback target, or empty when it is one (a sip:, sips: or tel: URI). */
    public static Optional<String> checkUri(String uri) {
        if (!URI.matcher(uri).matches()) {
            return Optional.of(
                    "must be a sip:, sips: or tel: URI such as sip:operator@example.test, was \"" + uri + "\"");
        }
        return Optional.empty();
    }

    /** These settings with a range's overrides applied. */
    public ParkSettings with(RangeOverrides o) {
        return new ParkSettings(
                o.pickupTimeout().orElse(pickupTimeout),
                o.maxPickupAttempts().orElse(maxPickupAttempts),
                o.onTimeoutUri().isPresent() ? o.onTimeoutUri() : onTimeoutUri);
    }
}
