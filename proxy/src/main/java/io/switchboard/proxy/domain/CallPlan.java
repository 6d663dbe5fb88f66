package io.switchboard.proxy.domain;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a user's call settings mean for one call to them, for the proxy: either send the call
 * elsewhere at once, or ring the user's endpoints plus any sim-ring target and, optionally,
 * forward when nobody answered in time. Forwarded and sim-ring legs are ordinary targets of the
 * proxy's fork and take the same routing as any request (issue 3).
 */
public sealed interface CallPlan {

    /** Immediate forwarding: the endpoints and the sim-ring target do not ring (as in Lync, where the two exclude each other). */
    record ForwardNow(String target) implements CallPlan {
        public ForwardNow {
            Objects.requireNonNull(target, "target");
        }
    }

    /**
     * Fork to the user's bindings and to {@code extraTargets} in parallel. With
     * {@code onNoAnswer}: when no final 2xx came within its {@code after}, cancel the ringing
     * branches (RFC 3261 section 16.7 / 9.1) and send the call to its target.
     */
    record Ring(List<String> extraTargets, Optional<Forwarding.NoAnswer> onNoAnswer) implements CallPlan {
        public Ring {
            extraTargets = List.copyOf(extraTargets);
            Objects.requireNonNull(onNoAnswer, "onNoAnswer");
        }

        /** How long to ring before forwarding, if forwarding on no answer is set. */
        public Optional<Duration> forwardAfter() {
            return onNoAnswer.map(Forwarding.NoAnswer::after);
        }
    }

    /** The plan for a call to {@code settings.aor()}; {@link CallSettings#none} gives a plain ring of the bindings. */
    static CallPlan of(CallSettings settings) {
        Forwarding f = settings.forwarding();
        if (f instanceof Forwarding.Immediate immediate) {
            return new ForwardNow(immediate.target());
        }
        return new Ring(
                settings.simRing().map(List::of).orElse(List.of()),
                f instanceof Forwarding.NoAnswer noAnswer ? Optional.of(noAnswer) : Optional.empty());
    }
}
