package io.switchboard.proxy.domain;

import io.switchboard.accounts.domain.Validation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Applies an operator's {@link CallSettingsEdit} to a user's current settings.
 *
 * <p>Replacing all settings (HTTP PUT) is applying the edit to {@link CallSettings#none}; changing
 * some (PATCH, the CLI's {@code call-settings set}) is applying it to what is stored. What is not
 * given is kept, so {@code --forward immediate} on a user forwarded on no answer keeps the target,
 * and {@code --to X} alone changes the target of the current mode.
 *
 * <p>All problems of one edit are reported together, each naming its field as the admin API
 * spells it ({@code simRing}, {@code forward.mode}, {@code forward.target},
 * {@code forward.afterSeconds}), joined by "; ". An invalid edit changes nothing.
 */
public final class CallSettingsRules {

    public static final String OFF = "off";

    private CallSettingsRules() {}

    public static Validation<CallSettings> apply(CallSettings current, CallSettingsEdit edit, Instant now) {
        List<String> problems = new ArrayList<>();
        Optional<String> simRing = current.simRing();
        if (edit.simRing().isPresent()) {
            String given = edit.simRing().get().strip();
            if (given.equalsIgnoreCase(OFF)) {
                simRing = Optional.empty();
            } else {
                Validation<String> v = CallTargets.parse(given, current.aor());
                if (v instanceof Validation.Valid<String> ok) {
                    simRing = Optional.of(ok.value());
                } else {
                    problems.add("simRing " + ((Validation.Invalid<String>) v).reason());
                }
            }
        }
        Forwarding forwarding = forwarding(current, edit, problems);
        if (!problems.isEmpty()) {
            return Validation.invalid(String.join("; ", problems));
        }
        return Validation.valid(new CallSettings(current.aor(), simRing, forwarding, now));
    }

    private static Forwarding forwarding(CallSettings current, CallSettingsEdit edit, List<String> problems) {
        Forwarding was = current.forwarding();
        String mode;
        if (edit.forwardMode().isPresent()) {
            mode = edit.forwardMode().get().strip().toLowerCase(Locale.ROOT);
            if (!List.of("off", "immediate", "no-answer").contains(mode)) {
                problems.add("forward.mode must be off, immediate or no-answer (got \""
                        + edit.forwardMode().get() + "\")");
                return was;
            }
        } else if (edit.forwardTarget().isEmpty() && edit.forwardAfterSeconds().isEmpty()) {
            return was;
        } else {
            mode = was.mode();
            if (mode.equals("off")) {
                problems.add("forward.mode is missing: forwarding is off, say immediate or no-answer");
                return was;
            }
        }

        if (mode.equals("off")) {
            if (edit.forwardTarget().isPresent()) {
                problems.add("forward.target is not used with forward.mode off");
            }
            if (edit.forwardAfterSeconds().isPresent()) {
                problems.add("forward.afterSeconds is not used with forward.mode off");
            }
            return Forwarding.OFF;
        }

        String target = null;
        if (edit.forwardTarget().isPresent()) {
            Validation<String> v = CallTargets.parse(edit.forwardTarget().get(), current.aor());
            if (v instanceof Validation.Valid<String> ok) {
                target = ok.value();
            } else {
                problems.add("forward.target " + ((Validation.Invalid<String>) v).reason());
            }
        } else if (was.targetIfAny().isPresent()) {
            target = was.targetIfAny().get();
        } else {
            problems.add("forward.target is missing: forward.mode " + mode + " needs a URI or number to forward to");
        }

        if (mode.equals("immediate")) {
            if (edit.forwardAfterSeconds().isPresent()) {
                problems.add("forward.afterSeconds is only used with forward.mode no-answer");
            }
            return target == null ? was : new Forwarding.Immediate(target);
        }

        Duration after = was instanceof Forwarding.NoAnswer n ? n.after() : Forwarding.DEFAULT_NO_ANSWER;
        if (edit.forwardAfterSeconds().isPresent()) {
            long seconds = edit.forwardAfterSeconds().get();
            if (seconds < Forwarding.MIN_NO_ANSWER.toSeconds() || seconds > Forwarding.MAX_NO_ANSWER.toSeconds()) {
                problems.add("forward.afterSeconds must be " + Forwarding.MIN_NO_ANSWER.toSeconds() + " to "
                        + Forwarding.MAX_NO_ANSWER.toSeconds() + " seconds (got " + seconds + ")");
                return was;
            }
            after = Duration.ofSeconds(seconds);
        }
        return target == null ? was : new Forwarding.NoAnswer(target, after);
    }
}
