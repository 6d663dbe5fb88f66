package io.switchboard.park.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * What happens to a parked call over time (pure; the parked-call entity asks it). A call parked at
 * {@code t} times out at {@code t + pickupTimeout}; each timeout rings the parker back, up to
 * {@code maxPickupAttempts} times, each ring-back lasting one more {@code pickupTimeout} during
 * which the call can still be retrieved from its orbit. The timeout after the last ring-back gives
 * up: the call goes to {@code onTimeoutUri}, or ends. Deadlines are counted from the previous
 * deadline, never from when a timer happened to fire, so a late timer or a takeover by another
 * node does not shift the schedule.
 */
public final class ParkRules {

    private ParkRules() {}

    /** The state of a call just parked at {@code orbit}. */
    public static ParkedCall parked(
            String rangeName, Orbit orbit, String parker, CallerIdentity caller, ParkSettings settings, Instant now) {
        return new ParkedCall(rangeName, orbit, parker, caller, now, now.plus(settings.pickupTimeout()), 0, settings);
    }

    /** What a deadline means for {@code call} at {@code now}. */
    public sealed interface Timeout {
        /** The deadline has not come (a timer fired early): nothing to do. */
        record NotYet() implements Timeout {}

        /** Ring the parker back; {@code next} is the state to store first (one more ring-back, the next deadline). */
        record RingBack(ParkedCall next, int attempt) implements Timeout {}

        /** No ring-back left: send the call to {@code fallback}, or end it when there is none; free the orbit. */
        record GiveUp(Optional<String> fallback) implements Timeout {}
    }

    public static Timeout onDeadline(ParkedCall call, Instant now) {
        if (now.isBefore(call.deadline())) {
            return new Timeout.NotYet();
        }
        ParkSettings s = call.settings();
        if (call.ringBacks() < s.maxPickupAttempts()) {
            ParkedCall next = new ParkedCall(
                    call.rangeName(),
                    call.orbit(),
                    call.parker(),
                    call.caller(),
                    call.parkedAt(),
                    call.deadline().plus(s.pickupTimeout()),
                    call.ringBacks() + 1,
                    s);
            return new Timeout.RingBack(next, next.ringBacks());
        }
        return new Timeout.GiveUp(s.onTimeoutUri());
    }
}
