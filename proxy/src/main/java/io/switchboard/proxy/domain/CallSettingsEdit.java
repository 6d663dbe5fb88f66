package io.switchboard.proxy.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * An operator's change to a user's call settings, as typed: an empty Optional means "not given,
 * keep what is there". {@link CallSettingsRules#apply} checks it against the current settings.
 *
 * @param simRing a target, or {@code "off"} to remove sim-ring
 * @param forwardMode {@code off}, {@code immediate} or {@code no-answer}
 * @param forwardTarget where to forward to
 * @param forwardAfterSeconds no-answer time in seconds
 */
public record CallSettingsEdit(
        Optional<String> simRing,
        Optional<String> forwardMode,
        Optional<String> forwardTarget,
        Optional<Long> forwardAfterSeconds) {

    public static final CallSettingsEdit NOTHING =
            new CallSettingsEdit(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public CallSettingsEdit {
        Objects.requireNonNull(simRing, "simRing");
        Objects.requireNonNull(forwardMode, "forwardMode");
        Objects.requireNonNull(forwardTarget, "forwardTarget");
        Objects.requireNonNull(forwardAfterSeconds, "forwardAfterSeconds");
    }

    public CallSettingsEdit withSimRing(String target) {
        return new CallSettingsEdit(Optional.of(target), forwardMode, forwardTarget, forwardAfterSeconds);
    }

    public CallSettingsEdit withForwardMode(String mode) {
        return new CallSettingsEdit(simRing, Optional.of(mode), forwardTarget, forwardAfterSeconds);
    }

    public CallSettingsEdit withForwardTarget(String target) {
        return new CallSettingsEdit(simRing, forwardMode, Optional.of(target), forwardAfterSeconds);
    }

    public CallSettingsEdit withForwardAfterSeconds(long seconds) {
        return new CallSettingsEdit(simRing, forwardMode, forwardTarget, Optional.of(seconds));
    }

    public boolean isEmpty() {
        return equals(NOTHING);
    }
}
