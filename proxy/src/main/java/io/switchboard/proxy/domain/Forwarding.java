package io.switchboard.proxy.domain;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What happens to a call for the user besides ringing their endpoints: nothing, forward at once
 * (the endpoints do not ring), or forward when nobody answered within {@link NoAnswer#after()}.
 *
 * <p>Targets are already normalised by {@link CallTargets} (a SIP or SIPS URI, numbers as
 * {@code sip:+E164@domain;user=phone}); the records only hold invariants a programming error could
 * break, operator input is checked by {@link CallSettingsRules}.
 */
public sealed interface Forwarding {

    /** Shortest no-answer time accepted: less would forward before a person can pick up. */
    Duration MIN_NO_ANSWER = Duration.ofSeconds(5);
    /** Longest no-answer time accepted: callers hang up long before two minutes of ringing. */
    Duration MAX_NO_ANSWER = Duration.ofSeconds(120);
    /** When the operator gives none: Lync / Skype for Business rings 20 s before "forward on no answer". */
    Duration DEFAULT_NO_ANSWER = Duration.ofSeconds(20);

    Off OFF = new Off();

    /** The word used for this mode in the admin API, the CLI and the stored row. */
    String mode();

    /** Where calls go when this forwarding applies; empty for {@link Off}. */
    Optional<String> targetIfAny();

    record Off() implements Forwarding {
        @Override
        public String mode() {
            return "off";
        }

        @Override
        public Optional<String> targetIfAny() {
            return Optional.empty();
        }
    }

    /** Every call goes to {@code target} instead of the user's endpoints. */
    record Immediate(String target) implements Forwarding {
        public Immediate {
            Objects.requireNonNull(target, "target");
        }

        @Override
        public String mode() {
            return "immediate";
        }

        @Override
        public Optional<String> targetIfAny() {
            return Optional.of(target);
        }
    }

    /** The endpoints (and sim-ring) ring for {@code after}; then those legs are cancelled and the call goes to {@code target}. */
    record NoAnswer(String target, Duration after) implements Forwarding {
        public NoAnswer {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(after, "after");
            if (after.compareTo(MIN_NO_ANSWER) < 0 || after.compareTo(MAX_NO_ANSWER) > 0) {
                throw new IllegalArgumentException("no-answer time must be " + MIN_NO_ANSWER.toSeconds() + ".."
                        + MAX_NO_ANSWER.toSeconds() + " s, was " + after);
            }
        }

        @Override
        public String mode() {
            return "no-answer";
        }

        @Override
        public Optional<String> targetIfAny() {
            return Optional.of(target);
        }
    }
}
